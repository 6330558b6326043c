// SPDX-License-Identifier: GPL-3.0-or-later
#include "checkpoint/TorchFile.h"

#include "pickle/Arguments.h"
#include "util/BufferPool.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace podium::checkpoint {

using pickle::DType;
using pickle::Kind;

namespace {
constexpr std::string_view kDataDir = "/data/"; // storages are `<prefix>/data/<key>`
}

std::string_view formatName(Format f) noexcept
{
    return f == Format::Zip ? "zip" : "legacy";
}

std::optional<double> decodeScalar(DType dtype, const std::uint8_t* p, bool big)
{
    const std::size_t n = pickle::dtypeSize(dtype);
    if (n == 0 || n > 8)
        return std::nullopt;
    std::uint8_t b[8];
    std::memcpy(b, p, n);
    if (big != (std::endian::native == std::endian::big))
        std::reverse(b, b + n);
    switch (dtype) {
    case DType::Float32: { float f; std::memcpy(&f, b, 4); return f; }
    case DType::Float64: { double d; std::memcpy(&d, b, 8); return d; }
    case DType::Float16: {
        std::uint16_t h; std::memcpy(&h, b, 2);
        const int e = (h >> 10) & 0x1F, m = h & 0x3FF;
        const double d = e == 0 ? std::ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : std::ldexp(m + 1024, e - 25);
        return (h & 0x8000) ? -d : d;
    }
    case DType::BFloat16: {
        std::uint16_t h; std::memcpy(&h, b, 2);
        const std::uint32_t bits = static_cast<std::uint32_t>(h) << 16;
        float f; std::memcpy(&f, &bits, 4);
        return f;
    }
    case DType::Int64: { std::int64_t v; std::memcpy(&v, b, 8); return static_cast<double>(v); }
    case DType::UInt64: { std::uint64_t v; std::memcpy(&v, b, 8); return static_cast<double>(v); }
    case DType::Int32: { std::int32_t v; std::memcpy(&v, b, 4); return v; }
    case DType::UInt32: { std::uint32_t v; std::memcpy(&v, b, 4); return v; }
    case DType::Int16: { std::int16_t v; std::memcpy(&v, b, 2); return v; }
    case DType::UInt16: { std::uint16_t v; std::memcpy(&v, b, 2); return v; }
    case DType::Int8: return static_cast<std::int8_t>(b[0]);
    case DType::UInt8: return b[0];
    case DType::Bool: return b[0] ? 1.0 : 0.0;
    default: return std::nullopt;
    }
}

Result<std::unique_ptr<TorchFile>> TorchFile::open(ByteSource& src, const ReadOptions& o)
{
    const std::uint64_t size = src.size();
    if (size == 0)
        return Error(ErrorCode::FileEmpty, "the file is empty (0 bytes)").inFile(src.name());
    auto cache = std::make_unique<CachingSource>(src);
    // Zip first: its end records are what a zip reader reads anyway, so a torch zip costs no extra read.
    auto z = zip::ZipArchive::open(*cache, o.zipLimits);
    if (z)
        return openZip(std::move(cache), std::move(*z), o);
    std::uint8_t head[8] = {};
    const std::size_t headLen = static_cast<std::size_t>(std::min<std::uint64_t>(size, sizeof head));
    if (auto st = src.readAt(0, std::span(head, headLen)); !st)
        return std::move(st).error();
    if (headLen >= 2 && head[0] == 'P' && head[1] == 'K')
        return std::move(z).error(); // a zip, broken: say how
    if (head[0] == 0x80 || head[0] == 'L' || head[0] == 0x8a)
        return openLegacy(std::move(cache), o);
    if (size > 262) {
        std::uint8_t magic[5];
        if (src.readAt(257, magic) && std::memcmp(magic, "ustar", 5) == 0)
            return Error(ErrorCode::UnknownFormat, "a tar archive: torch's pre-1.0 tar format is not supported").inFile(src.name());
    }
    std::string start;
    for (std::size_t i = 0; i < headLen; ++i)
        start += (head[i] >= 0x20 && head[i] < 0x7f) ? static_cast<char>(head[i]) : '.';
    return Error(ErrorCode::UnknownFormat, "not a torch checkpoint (neither a zip archive nor a pickle): starts with '" +
                                               start + "'").inFile(src.name());
}

Result<std::unique_ptr<TorchFile>> TorchFile::openZip(std::unique_ptr<CachingSource> cache, zip::ZipArchive z,
                                                     const ReadOptions& o)
{
    std::unique_ptr<TorchFile> f(new TorchFile);
    ByteSource& src = *cache;
    f->m_source = cache.get();
    f->m_cache = std::move(cache);
    f->m_format = Format::Zip;
    f->m_zip.emplace(std::move(z));
    f->m_entryCount = f->m_zip->entries().size();

    // Both passes below look at every entry (a state_dict's checkpoint has hundreds): the checks are
    // ordered so that most names are decided by a length test and a fixed-size compare.
    const zip::ZipEntry* pkl = nullptr;
    constexpr std::string_view kPkl = "/data.pkl";
    for (const auto& e : f->m_zip->entries()) {
        if (e.name.size() <= kPkl.size() || std::memcmp(e.name.data() + e.name.size() - kPkl.size(), kPkl.data(), kPkl.size()) != 0 ||
            e.name.find('/') != e.name.size() - kPkl.size())
            continue;
        if (pkl)
            return Error(ErrorCode::ZipAmbiguousDataPkl, "two pickles: '" + std::string(pkl->name) + "' and '" +
                                                              std::string(e.name) + "'").inFile(src.name());
        pkl = &e;
    }
    if (!pkl)
        return Error(ErrorCode::ZipNoDataPkl, "a zip archive without <prefix>/data.pkl: not a torch checkpoint")
            .inFile(src.name());
    f->m_prefix = std::string(pkl->name.substr(0, pkl->name.find('/')));
    const std::size_t prefixLen = f->m_prefix.size();
    const std::size_t dataLen = prefixLen + kDataDir.size();
    const std::size_t entryCount = f->m_zip->entries().size();
    f->m_storageByNumber.assign(entryCount + 1, nullptr);
    for (const auto& e : f->m_zip->entries()) {
        // `<prefix>/data/<n>`, n decimal without sign (torch numbers storages 0, 1, 2, ...)
        const std::string_view name = e.name;
        if (name.size() <= dataLen || std::memcmp(name.data() + prefixLen, kDataDir.data(), kDataDir.size()) != 0 ||
            !std::equal(name.data(), name.data() + prefixLen, f->m_prefix.data()))
            continue;
        std::size_t n = 0;
        // more digits than any real entry count, or a leading zero: not torch's numbering
        bool digits = name.size() - dataLen <= 9 && (name[dataLen] != '0' || name.size() == dataLen + 1);
        for (std::size_t i = dataLen; digits && i < name.size(); ++i) {
            const unsigned d = static_cast<unsigned char>(name[i]) - unsigned{'0'};
            digits = d <= 9;
            n = n * 10 + d;
        }
        if (!digits || n > entryCount)
            continue; // not torch's numbering: found by name when asked
        f->m_storageByNumber[n] = &e;
    }
    if (const auto* bo = f->m_zip->find(f->m_prefix + "/byteorder"); bo && bo->uncompressedSize <= 16) {
        auto bytes = f->m_zip->read(*bo);
        if (!bytes)
            return std::move(bytes).error();
        f->m_bigEndian = std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()) == "big";
    }
    auto loaded = f->m_zip->load(*pkl, o.verifyCrc);
    if (!loaded)
        return std::move(loaded).error();
    f->m_pickleSize = loaded->buffer.size() - loaded->offset;
    const std::size_t begin = loaded->offset;
    // The pickle's bytes go back to the thread's BufferPool with the document (see util/BufferPool.h).
    auto buffer = std::shared_ptr<const std::vector<std::uint8_t>>(
        new std::vector<std::uint8_t>(std::move(loaded->buffer)), [](const std::vector<std::uint8_t>* b) {
            BufferPool::give(std::move(*const_cast<std::vector<std::uint8_t>*>(b)));
            delete b;
        });
    auto doc = pickle::Machine::run(std::move(buffer), begin, o.limits, "data.pkl");
    if (!doc)
        return std::move(doc).error().inFile(src.name());
    f->m_doc = std::move(*doc);
    return f;
}

Result<std::unique_ptr<TorchFile>> TorchFile::openLegacy(std::unique_ptr<CachingSource> cache, const ReadOptions& o)
{
    std::unique_ptr<TorchFile> f(new TorchFile);
    ByteSource& src = *cache;
    f->m_source = cache.get();
    f->m_cache = std::move(cache);
    f->m_format = Format::Legacy;
    const std::uint64_t size = src.size();

    // The main pickle's length is unknown until its STOP: read a window and widen it when the pickle
    // runs past it.
    std::uint64_t window = std::min<std::uint64_t>(size, 1 << 20);
    for (;;) {
        auto bytes = src.read(0, static_cast<std::size_t>(window));
        if (!bytes)
            return std::move(bytes).error();
        auto buffer = std::make_shared<const std::vector<std::uint8_t>>(std::move(*bytes));
        pickle::Limits small = o.limits;

        auto magic = pickle::Machine::run(buffer, 0, small, "magic pickle");
        if (!magic || magic.value()->root->kind != Kind::BigInt ||
            magic.value()->root->text() != "119547037146038801333356") {
            if (!magic && window < size && (magic.error().code == ErrorCode::PickleTruncated ||
                                            magic.error().code == ErrorCode::PickleNoStop)) {
                window = std::min<std::uint64_t>(size, window * 4);
                continue;
            }
            return Error(ErrorCode::LegacyBadMagic, "a pickle, but not a torch file (no torch magic number first)")
                .inFile(src.name());
        }
        auto fail = [&](const Result<std::unique_ptr<pickle::Document>>& r) {
            return !r && window < size && window < o.limits.maxPickleBytes &&
                   (r.error().code == ErrorCode::PickleTruncated || r.error().code == ErrorCode::PickleNoStop);
        };
        std::size_t at = magic.value()->end;
        auto proto = pickle::Machine::run(buffer, at, small, "protocol pickle");
        if (fail(proto)) { window = std::min<std::uint64_t>(size, window * 4); continue; }
        if (!proto || proto.value()->root->kind != Kind::Int || proto.value()->root->integer() != 1001)
            return Error(ErrorCode::LegacyBadHeader, "unsupported legacy protocol version (torch writes 1001)", at, "file")
                .inFile(src.name());
        at = proto.value()->end;
        auto sys = pickle::Machine::run(buffer, at, small, "sys_info pickle");
        if (fail(sys)) { window = std::min<std::uint64_t>(size, window * 4); continue; }
        if (!sys || sys.value()->root->kind != Kind::Dict)
            return Error(ErrorCode::LegacyBadHeader, "the sys_info pickle is not a dict", at, "file").inFile(src.name());
        if (const auto* le = sys.value()->root->get("little_endian"); le && le->kind == Kind::Bool)
            f->m_bigEndian = !le->boolean;
        at = sys.value()->end;
        const std::size_t mainAt = at;
        auto main = pickle::Machine::run(buffer, at, o.limits, "main pickle");
        if (fail(main)) { window = std::min<std::uint64_t>(size, window * 4); continue; }
        if (!main)
            return std::move(main).error().inFile(src.name());
        at = main.value()->end;
        auto keys = pickle::Machine::run(buffer, at, small, "storage keys pickle");
        if (fail(keys)) { window = std::min<std::uint64_t>(size, window * 4); continue; }
        if (!keys || keys.value()->root->kind != Kind::List)
            return Error(ErrorCode::LegacyBadHeader, "the storage-key list after the main pickle is missing", at, "file")
                .inFile(src.name());
        f->m_pickleSize = main.value()->end - mainAt;
        f->m_doc = std::move(*main);

        // Storage layout: keys in the listed order, each an 8-byte count then numel * element size bytes.
        std::uint64_t pos = keys.value()->end;
        for (const auto* k : keys.value()->root->items()) {
            if (k->kind != Kind::Str)
                return Error(ErrorCode::LegacyBadHeader, "a storage key is not a string", pos, "file").inFile(src.name());
            const pickle::StorageRef* ref = nullptr;
            for (const auto* s : f->m_doc->storages)
                if (s->key == k->text()) { ref = s; break; }
            if (!ref)
                return Error(ErrorCode::LegacyBadStorage, "storage '" + std::string(k->text()) +
                                                              "' is listed but no tensor names it", pos, "file").inFile(src.name());
            const std::uint64_t es = std::max<std::size_t>(1, pickle::dtypeSize(ref->dtype));
            if (ref->numel < 0 || static_cast<std::uint64_t>(ref->numel) > size / es)
                return Error(ErrorCode::LegacyBadStorage, "storage '" + std::string(k->text()) + "' declares " +
                                                              std::to_string(ref->numel) + " elements, more than the file holds",
                             pos, "file").inFile(src.name());
            const std::uint64_t bytes = static_cast<std::uint64_t>(ref->numel) * es;
            if (pos > size || 8 + bytes > size - pos)
                return Error(ErrorCode::LegacyBadStorage, "storage '" + std::string(k->text()) + "' (" + std::to_string(bytes) +
                                                              " bytes at " + std::to_string(pos) + ") runs past the end of the file",
                             pos, "file").inFile(src.name());
            f->m_legacy.emplace(std::string(k->text()), LegacyStorage{pos, bytes, es});
            pos += 8 + bytes;
        }
        f->m_entryCount = f->m_legacy.size();
        return f;
    }
}

const zip::ZipEntry* TorchFile::storageEntry(std::string_view key) const
{
    std::size_t n = 0;
    auto [p, ec] = std::from_chars(key.data(), key.data() + key.size(), n);
    if (ec == std::errc{} && p == key.data() + key.size() && n < m_storageByNumber.size() && m_storageByNumber[n] &&
        m_storageByNumber[n]->name.size() == m_prefix.size() + kDataDir.size() + key.size() && m_storageByNumber[n]->name.ends_with(key))
        return m_storageByNumber[n];
    return m_zip->find(m_prefix + std::string(kDataDir) + std::string(key));
}

std::optional<std::uint64_t> TorchFile::storageBytes(std::string_view key) const
{
    if (m_zip) {
        if (const auto* e = storageEntry(key))
            return e->uncompressedSize;
        return std::nullopt;
    }
    if (auto it = m_legacy.find(key); it != m_legacy.end())
        return it->second.bytes;
    return std::nullopt;
}

Result<std::vector<std::uint8_t>> TorchFile::readStorage(std::string_view key, std::uint64_t offset, std::size_t length) const
{
    if (m_zip) {
        const auto* e = storageEntry(key);
        if (!e)
            return Error(ErrorCode::StorageMissing, "storage '" + std::string(key) + "' has no entry '" + m_prefix +
                                                        "/data/" + std::string(key) + "'")
                .inFile(m_source->name());
        return m_zip->readRange(*e, offset, length);
    }
    auto it = m_legacy.find(key);
    if (it == m_legacy.end())
        return Error(ErrorCode::StorageMissing, "storage '" + std::string(key) + "' is not in the file").inFile(m_source->name());
    const auto& s = it->second;
    if (offset > s.bytes || length > s.bytes - offset)
        return Error(ErrorCode::StorageTooSmall, "storage '" + std::string(key) + "' has " + std::to_string(s.bytes) +
                                                     " bytes; asked for " + std::to_string(length) + " at " + std::to_string(offset))
            .inFile(m_source->name());
    // Read the element count with the bytes and check it against the layout computed from the pickle.
    const bool withCount = offset < 4096;
    auto buf = withCount ? m_source->read(s.offset, static_cast<std::size_t>(8 + offset + length))
                         : m_source->read(s.offset + 8 + offset, length);
    if (!buf)
        return std::move(buf).error();
    if (!withCount)
        return buf;
    std::uint64_t count = loadLE<std::uint64_t>(buf->data());
    if (m_bigEndian)
        count = byteSwap(count);
    if (count * s.elementSize != s.bytes)
        return Error(ErrorCode::LegacyBadStorage, "storage '" + std::string(key) + "' records " + std::to_string(count) +
                                                      " elements where its tensor declares " + std::to_string(s.bytes / s.elementSize),
                     s.offset, "file").inFile(m_source->name());
    return std::vector<std::uint8_t>(buf->begin() + static_cast<std::ptrdiff_t>(8 + offset), buf->end());
}

void TorchFile::prefetchScalars(const std::vector<const pickle::TensorRef*>& tensors) const
{
    std::vector<ByteRange> ranges;
    for (const auto* t : tensors) {
        if (!t || !t->storage || t->storageOffset < 0)
            continue;
        const std::uint64_t need = static_cast<std::uint64_t>(t->storageOffset + 1) * std::max<std::size_t>(1, t->elementSize());
        if (m_zip) {
            if (const auto* e = storageEntry(t->storage->key))
                // local header (30 + name) + padding slack, as ZipArchive::readRange reads it
                ranges.push_back({e->localHeaderOffset, 30 + e->name.size() + 128 + need});
        } else if (auto it = m_legacy.find(t->storage->key); it != m_legacy.end()) {
            ranges.push_back({it->second.offset, 8 + need});
        }
    }
    if (ranges.size() > 1)
        (void)m_cache->prefetch(std::move(ranges)); // a failed prefetch leaves each read to report itself
}

Result<double> TorchFile::readScalar(const pickle::TensorRef& t) const
{
    if (t.numel() != 1)
        return Error(ErrorCode::InvalidArgument, "tensor has " + std::to_string(t.numel()) + " elements, not one")
            .inFile(m_source->name());
    if (!t.storage)
        return Error(ErrorCode::StorageMissing, "tensor has no storage").inFile(m_source->name());
    const std::size_t es = pickle::dtypeSize(t.dtype);
    if (es == 0 || t.storageOffset < 0)
        return Error(ErrorCode::InvalidArgument, "tensor dtype " + std::string(pickle::dtypeName(t.dtype)) +
                                                     " has no scalar value here").inFile(m_source->name());
    // A declared size is checked against the storage's real size.
    if (const auto real = storageBytes(t.storage->key)) {
        if (t.storage->numel >= 0 && !t.storage->untyped &&
            static_cast<std::uint64_t>(t.storage->numel) * pickle::dtypeSize(t.storage->dtype) != *real && m_zip)
            return Error(ErrorCode::StorageTooSmall, "storage '" + std::string(t.storage->key) + "' declares " +
                                                         std::to_string(t.storage->numel) + " elements but holds " +
                                                         std::to_string(*real) + " bytes").inFile(m_source->name());
    }
    auto bytes = readStorage(t.storage->key, static_cast<std::uint64_t>(t.storageOffset) * es, es);
    if (!bytes)
        return std::move(bytes).error();
    auto v = decodeScalar(t.dtype, bytes->data(), m_bigEndian);
    if (!v)
        return Error(ErrorCode::InvalidArgument, "dtype " + std::string(pickle::dtypeName(t.dtype)) + " is not a scalar type")
            .inFile(m_source->name());
    return *v;
}

} // namespace podium::checkpoint
