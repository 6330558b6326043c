// SPDX-License-Identifier: GPL-3.0-or-later
// Property (differential, libzip as the oracle): when both ZipArchive and libzip open the input and settle on
// the same central directory (the same entry count — with several end-record candidates in mutated input,
// libzip 1.7 picks by its own consistency score, we pick the one that ends the file), they list the same
// names and sizes, and every entry both can read has the same bytes.
#include "util/ByteSource.h"
#include "zip/ZipArchive.h"

#include <cstdlib>
#include <cstring>
#include <vector>
#include <zip.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    podium::MemorySource src({data, size});
    auto z = podium::zip::ZipArchive::open(src);
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* s = zip_source_buffer_create(data, size, 0, &err);
    if (!s)
        return 0;
    zip_t* lz = zip_open_from_source(s, ZIP_RDONLY, &err);
    if (!lz) {
        zip_source_free(s);
        zip_error_fini(&err);
        return 0;
    }
    if (z) {
        zip_int64_t n = zip_get_num_entries(lz, 0);
        if (static_cast<std::size_t>(n) != z->entries().size())
            n = 0; // another central directory chosen: nothing to compare
        for (zip_int64_t i = 0; i < n; ++i) {
            zip_stat_t st;
            if (zip_stat_index(lz, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_RAW, &st) != 0)
                continue;
            const auto& e = z->entries()[static_cast<std::size_t>(i)];
            const bool hasNul = e.name.find('\0') != std::string_view::npos; // C strings cannot compare those
            if ((st.valid & ZIP_STAT_NAME) && !hasNul && (e.name.size() != std::strlen(st.name) || std::memcmp(e.name.data(), st.name, e.name.size()) != 0))
                std::abort();
            if ((st.valid & ZIP_STAT_SIZE) && st.size != e.uncompressedSize)
                std::abort();
            if (st.size > (1u << 20))
                continue;
            auto mine = z->read(e);
            zip_file_t* f = zip_fopen_index(lz, static_cast<zip_uint64_t>(i), 0);
            if (!f || !mine) {
                if (f) zip_fclose(f);
                continue;
            }
            std::vector<std::uint8_t> theirs(st.size);
            const zip_int64_t got = zip_fread(f, theirs.data(), st.size);
            zip_fclose(f);
            if (got == static_cast<zip_int64_t>(st.size) && *mine != theirs)
                std::abort();
        }
    }
    zip_close(lz);
    zip_error_fini(&err);
    return 0;
}
