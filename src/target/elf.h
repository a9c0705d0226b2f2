// A reader for 32-bit little-endian ELF files (Arm objects and executables) and the ar archives
// that hold them: sections, symbols and relocations, all mote needs to measure code sizes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace mote {

struct ElfSection {
  std::string name;
  uint32_t type = 0, flags = 0, addr = 0, offset = 0, size = 0, link = 0, info = 0, align = 0;
  bool alloc() const { return flags & 0x2; }
  bool exec() const { return flags & 0x4; }
  bool write() const { return flags & 0x1; }
  bool nobits() const { return type == 8; }
  bool link_order() const { return flags & 0x80; }  // SHF_LINK_ORDER: kept with section `link`
};

struct ElfSymbol {
  std::string name;
  uint32_t value = 0, size = 0;
  uint8_t bind = 0, type = 0;  // STB_LOCAL 0 / GLOBAL 1 / WEAK 2; STT_OBJECT 1 / FUNC 2 / SECTION 3 / FILE 4
  uint16_t shndx = 0;          // 0: undefined
  std::string file;            // for local symbols: the source file named by the STT_FILE before them
  bool defined() const { return shndx != 0 && shndx < 0xff00; }
};

struct ElfReloc {
  uint32_t offset = 0;  // within the section (object) or the address (executable)
  uint32_t type = 0;    // R_ARM_*
  uint32_t symbol = 0;  // index into symbols
};

struct ElfFile {
  std::string label;  // the path, or "archive(member)"
  std::string bytes;
  uint16_t type = 0;  // ET_REL 1, ET_EXEC 2
  std::vector<ElfSection> sections;
  std::vector<ElfSymbol> symbols;
  // relocs[i]: the relocations that apply to section i (from its SHT_REL section).
  std::vector<std::vector<ElfReloc>> relocs;

  const ElfSection* section(const std::string& name) const;
  const ElfSymbol* symbol(const std::string& name) const;  // a defined symbol called `name`
  // Bytes [addr, addr+n) of an executable's loaded image; throws if they are in no section.
  std::string read(uint32_t addr, uint32_t n) const;
};

// Parses `bytes` (named `label` in errors); throws mote::Error if it is not a 32-bit
// little-endian ELF file or is damaged.
ElfFile parse_elf(const std::string& bytes, const std::string& label);
ElfFile read_elf(const std::string& path);

// The ELF members of an ar archive (libc.a), parsed.
std::vector<ElfFile> read_archive(const std::string& path);

}  // namespace mote
