#include "target/elf.h"

#include <cstring>

#include "util/error.h"
#include "util/file.h"

namespace mote {

namespace {

uint32_t u32(const std::string& b, size_t at, const std::string& label) {
  if (at + 4 > b.size()) fail("{}: truncated ELF data at offset {}", label, at);
  uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}

uint16_t u16(const std::string& b, size_t at, const std::string& label) {
  if (at + 2 > b.size()) fail("{}: truncated ELF data at offset {}", label, at);
  uint16_t v;
  std::memcpy(&v, b.data() + at, 2);
  return v;
}

std::string cstr(const std::string& b, size_t at, const std::string& label) {
  if (at >= b.size()) fail("{}: string offset {} outside the file", label, at);
  const size_t end = b.find('\0', at);
  if (end == std::string::npos) fail("{}: unterminated string at offset {}", label, at);
  return b.substr(at, end - at);
}

}  // namespace

const ElfSection* ElfFile::section(const std::string& name) const {
  for (const ElfSection& s : sections)
    if (s.name == name) return &s;
  return nullptr;
}

const ElfSymbol* ElfFile::symbol(const std::string& name) const {
  for (const ElfSymbol& s : symbols)
    if (s.name == name && s.defined()) return &s;
  return nullptr;
}

std::string ElfFile::read(uint32_t addr, uint32_t n) const {
  for (const ElfSection& s : sections)
    if (s.alloc() && !s.nobits() && addr >= s.addr && addr + n <= s.addr + s.size)
      return bytes.substr(s.offset + (addr - s.addr), n);
  fail("{}: address 0x{:x} is in no loaded section", label, addr);
}

ElfFile parse_elf(const std::string& bytes, const std::string& label) {
  if (bytes.size() < 52 || bytes.compare(0, 4, "\x7f" "ELF") != 0) fail("{}: not an ELF file", label);
  if (bytes[4] != 1 || bytes[5] != 1) fail("{}: not a 32-bit little-endian ELF file", label);
  ElfFile f;
  f.label = label;
  f.bytes = bytes;
  f.type = u16(bytes, 16, label);
  const uint32_t shoff = u32(bytes, 32, label);
  const uint16_t shentsize = u16(bytes, 46, label), shnum = u16(bytes, 48, label), shstrndx = u16(bytes, 50, label);
  if (shnum == 0 || shentsize < 40 || shstrndx >= shnum) fail("{}: bad section header table", label);
  f.sections.resize(shnum);
  for (uint16_t i = 0; i < shnum; ++i) {
    const size_t h = size_t(shoff) + size_t(i) * shentsize;
    ElfSection& s = f.sections[i];
    s.type = u32(bytes, h + 4, label);
    s.flags = u32(bytes, h + 8, label);
    s.addr = u32(bytes, h + 12, label);
    s.offset = u32(bytes, h + 16, label);
    s.size = u32(bytes, h + 20, label);
    s.link = u32(bytes, h + 24, label);
    s.info = u32(bytes, h + 28, label);
    s.align = u32(bytes, h + 32, label);
    s.name = std::to_string(u32(bytes, h, label));  // resolved below, once the string table is known
    if (!s.nobits() && size_t(s.offset) + s.size > bytes.size()) fail("{}: section {} runs past the end of the file", label, i);
  }
  const ElfSection& names = f.sections[shstrndx];
  for (ElfSection& s : f.sections) s.name = cstr(bytes, names.offset + std::stoul(s.name), label);

  for (const ElfSection& st : f.sections) {
    if (st.type != 2) continue;  // SHT_SYMTAB: one per file
    if (st.link >= shnum) fail("{}: symbol table names no string table", label);
    const ElfSection& strtab = f.sections[st.link];
    std::string file;
    for (uint32_t off = 0; off + 16 <= st.size; off += 16) {
      const size_t e = size_t(st.offset) + off;
      ElfSymbol y;
      y.name = cstr(bytes, strtab.offset + u32(bytes, e, label), label);
      y.value = u32(bytes, e + 4, label);
      y.size = u32(bytes, e + 8, label);
      const uint8_t info = uint8_t(bytes[e + 12]);
      y.bind = info >> 4;
      y.type = info & 15;
      y.shndx = u16(bytes, e + 14, label);
      if (y.type == 4) file = y.name;
      if (y.bind == 0) y.file = file;
      f.symbols.push_back(y);
    }
  }
  f.relocs.resize(shnum);
  for (const ElfSection& rs : f.sections) {
    if (rs.type != 9) continue;  // SHT_REL (Arm uses REL, not RELA)
    if (rs.info >= shnum) fail("{}: relocation section {} applies to no section", label, rs.name);
    for (uint32_t off = 0; off + 8 <= rs.size; off += 8) {
      const size_t e = size_t(rs.offset) + off;
      const uint32_t info = u32(bytes, e + 4, label);
      ElfReloc r{u32(bytes, e, label), info & 0xff, info >> 8};
      if (r.symbol >= f.symbols.size()) fail("{}: relocation in {} names symbol {} of {}", label, rs.name, r.symbol, f.symbols.size());
      f.relocs[rs.info].push_back(r);
    }
  }
  return f;
}

ElfFile read_elf(const std::string& path) { return parse_elf(read_file(path), path); }

std::vector<ElfFile> read_archive(const std::string& path) {
  const std::string a = read_file(path);
  if (a.compare(0, 8, "!<arch>\n") != 0) fail("{}: not an ar archive", path);
  std::vector<ElfFile> members;
  std::string long_names;
  size_t at = 8;
  while (at + 60 <= a.size()) {
    const std::string header = a.substr(at, 60);
    const size_t size = std::stoul(header.substr(48, 10));
    const size_t data = at + 60;
    if (data + size > a.size()) fail("{}: member at offset {} runs past the end", path, at);
    std::string name = header.substr(0, 16);
    name = name.substr(0, name.find_last_not_of(' ') + 1);
    if (name == "//") {
      long_names = a.substr(data, size);
    } else if (name != "/" && name != "/SYM64/") {
      if (name.size() > 1 && name[0] == '/') {
        const size_t off = std::stoul(name.substr(1));
        name = long_names.substr(off, long_names.find('\n', off) - off);
      }
      if (!name.empty() && name.back() == '/') name.pop_back();
      const std::string bytes = a.substr(data, size);
      if (bytes.compare(0, 4, "\x7f" "ELF") == 0) members.push_back(parse_elf(bytes, path + "(" + name + ")"));
    }
    at = data + size + (size & 1);
  }
  return members;
}

}  // namespace mote
