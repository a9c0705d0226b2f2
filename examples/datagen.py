"""What every data generator in examples/ shares: argument errors in one line, and output written
to a temporary sibling folder renamed at the end (a failed run leaves nothing half-written)."""
import argparse
import json
import os
import shutil
import sys
import tempfile

import numpy as np


class Parser(argparse.ArgumentParser):
    def error(self, message):
        sys.exit(f"{self.prog}: error: {message}")


def check_outdir(outdir):
    """Refuses to replace anything but an earlier output of a generator (a folder with data.json)."""
    if os.path.exists(outdir):
        if not os.path.isdir(outdir):
            return f"{outdir} exists and is not a directory"
        if os.listdir(outdir) and not os.path.isfile(os.path.join(outdir, "data.json")):
            return f"{outdir} is not empty and holds no data.json; refusing to replace it"
    return None


def write_outputs(outdir, arrays, meta):
    """Writes everything into a temporary sibling folder and renames it to outdir at the end, so a
    failed run leaves no half-written output; a file system error ends the run in one line."""
    try:
        _write_outputs(outdir, arrays, meta)
    except OSError as e:
        sys.exit(f"make_data.py: error: cannot write {outdir}: {e.strerror}")


def _write_outputs(outdir, arrays, meta):
    outdir = os.path.abspath(outdir)
    parent = os.path.dirname(outdir)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="." + os.path.basename(outdir) + ".tmp", dir=parent)
    try:
        for name, a in arrays.items():
            np.save(os.path.join(tmp, name + ".npy"), a)
        with open(os.path.join(tmp, "data.json"), "w") as f:
            json.dump(meta, f, indent=2, sort_keys=True)
            f.write("\n")
        os.chmod(tmp, 0o755)
        if os.path.exists(outdir):
            old = tmp + ".old"
            os.rename(outdir, old)
            os.rename(tmp, outdir)
            shutil.rmtree(old)
        else:
            os.rename(tmp, outdir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
