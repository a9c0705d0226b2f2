# What examples/visual_trigger/run.sh and examples/vital_signs/run.sh share; sourced after
# HERE (the example's folder) is set, with run.sh's arguments [BUILD] [OUT].
# Sets BUILD, OUT (default BUILD/<example>), MOTE, PY and PIPELINE (the env's, or the
# example's pipeline.yaml), and creates OUT.
BUILD=$(cd "${1:-build}" && pwd)
OUT=${2:-$BUILD/$(basename "$HERE")}
MOTE="$BUILD/mote"
PY=/usr/bin/python3
PIPELINE=$(realpath "${PIPELINE:-$HERE/pipeline.yaml}")
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# firmware_on_both COMPILED INPUT NAME: the example's main.c with the compiled model on the
# Cortex-M4 under QEMU (OUT/NAME.m4.txt, figures in OUT/NAME.m4.json) and natively
# (OUT/NAME.host.txt); fails unless both wrote the same bytes.
firmware_on_both() {
  "$MOTE" run "$1" --app "$HERE/main.c" --input "$2" --output "$OUT/$3.m4.txt" --json "$OUT/$3.m4.json" \
    --timeout 1200 > /dev/null
  "$MOTE" run "$1" --app "$HERE/main.c" --target host --input "$2" --output "$OUT/$3.host.txt" > /dev/null
  cmp "$OUT/$3.m4.txt" "$OUT/$3.host.txt"
  echo "host and Cortex-M4 firmware output: byte for byte the same"
}
