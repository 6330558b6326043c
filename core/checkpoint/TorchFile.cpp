// SPDX-License-Identifier: GPL-3.0-or-later
#include "checkpoint/TorchFile.h"

#include "pickle/Arguments.h"
#include "util/BufferPool.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <map>

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

namespace {

using safety::AuditTrail;
using pickle::Verdict;

constexpr std::uint8_t kLocalMagic[4] = {'P', 'K', 3, 4};
constexpr std::string_view kLegacyMagic = "119547037146038801333356"; // 0x1950a86a20f9469cfc6c

/// The pickle machine's document as the trail keeps it (shared with the TorchFile for the main pickle).
std::shared_ptr<pickle::Document> share(std::unique_ptr<pickle::Document> d)
{
    return std::shared_ptr<pickle::Document>(std::move(d));
}

bool isTruncation(ErrorCode c)
{
    return c == ErrorCode::PickleTruncated || c == ErrorCode::PickleNoStop || c == ErrorCode::PickleLengthExceedsInput;
}

std::string printable(const std::uint8_t* p, std::size_t n)
{
    std::string out;
    for (std::size_t i = 0; i < n; ++i)
        out += (p[i] >= 0x20 && p[i] < 0x7f) ? static_cast<char>(p[i]) : '.';
    return out;
}

// ---- the pre-1.0 tar format ------------------------------------------------------------------------------

/// Python's tarfile.nti for an octal header field: digits up to the first NUL, spaces stripped ("" is 0);
/// nullopt where tarfile raises InvalidHeaderError. Base-256 fields (0x80/0xff first) are numbers too.
std::optional<std::uint64_t> tarNumber(const std::uint8_t* f, std::size_t n)
{
    if (f[0] == 0x80 || f[0] == 0xff) {
        std::uint64_t v = 0;
        for (std::size_t i = 1; i < n; ++i)
            v = (v << 8) | f[i];
        return v;
    }
    std::size_t end = 0;
    while (end < n && f[end] != 0)
        ++end;
    std::size_t b = 0, e = end;
    while (b < e && (f[b] == ' ' || f[b] == '\t' || f[b] == '\n' || f[b] == '\r' || f[b] == '\v' || f[b] == '\f')) ++b;
    while (e > b && (f[e - 1] == ' ' || f[e - 1] == '\t' || f[e - 1] == '\n' || f[e - 1] == '\r' || f[e - 1] == '\v' || f[e - 1] == '\f')) --e;
    if (b == e)
        return 0;
    std::uint64_t v = 0;
    for (std::size_t i = b; i < e; ++i) {
        if (f[i] == '_' && i > b && i + 1 < e)
            continue; // int(x, 8) accepts single underscores between digits
        if (f[i] < '0' || f[i] > '7')
            return std::nullopt;
        v = v * 8 + (f[i] - '0');
    }
    return v;
}

/// True when `block` (512 bytes) is a header tarfile.open accepts as the first member: not all zeros,
/// a checksum matching one of tarfile's two sums, numeric fields that parse (TarInfo.frombuf).
bool isTarHeader(const std::uint8_t* block)
{
    if (std::all_of(block, block + 512, [](std::uint8_t c) { return c == 0; }))
        return false;
    const auto sum = tarNumber(block + 148, 8);
    if (!sum)
        return false;
    std::int64_t unsignedSum = 256, signedSum = 256;
    for (std::size_t i = 0; i < 512; ++i) {
        if (i >= 148 && i < 156)
            continue;
        unsignedSum += block[i];
        signedSum += static_cast<std::int8_t>(block[i]);
    }
    if (static_cast<std::int64_t>(*sum) != unsignedSum && static_cast<std::int64_t>(*sum) != signedSum)
        return false;
    for (std::size_t at : {100u, 108u, 116u})
        if (!tarNumber(block + at, 8))
            return false;
    return tarNumber(block + 124, 12) && tarNumber(block + 136, 12);
}

} // namespace

TorchFile::Opened TorchFile::openJudged(ByteSource& src, const ReadOptions& o)
{
    Opened out = openUnnamed(src, o);
    if (out.error)
        out.error->inFile(src.name()); // every error names the file
    return out;
}

TorchFile::Opened TorchFile::openUnnamed(ByteSource& src, const ReadOptions& o)
{
    Opened out;
    AuditTrail& trail = out.trail;
    const std::uint64_t size = src.size();
    if (size == 0) {
        trail.container = "empty";
        out.error = Error(ErrorCode::FileEmpty, "the file is empty (0 bytes)").inFile(src.name());
        return out;
    }
    auto cache = std::make_unique<CachingSource>(src);
    if (auto st = cache->prefetch({{0, kHeadRead}, {size - zip::ZipArchive::tailReadLength(size), size}}); !st) {
        out.error = std::move(st).error();
        trail.note(Verdict::Unknown, "the file could not be read: " + out.error->describe());
        return out;
    }
    // torch.serialization._is_zipfile: a zip only when the first four bytes are a local header. Zip first:
    // its end records are what a zip reader reads anyway, and when data.pkl's local header is the file's
    // first bytes (torch.save writes it first) those four bytes are known without another read.
    auto z = zip::ZipArchive::open(*cache, o.zipLimits);
    if (z) {
        openZip(out, std::move(cache), std::move(*z), o);
        return out;
    }
    std::uint8_t head[512] = {};
    const std::size_t headLen = static_cast<std::size_t>(std::min<std::uint64_t>(size, sizeof head));
    if (auto st = cache->readAt(0, std::span(head, headLen)); !st) {
        out.error = std::move(st).error();
        trail.note(Verdict::Unknown, "the file could not be read: " + out.error->describe());
        return out;
    }
    if (headLen >= 4 && std::memcmp(head, kLocalMagic, 4) == 0) {
        trail.container = "zip";
        if (z.error().code == ErrorCode::ZipNoEndRecord) {
            // torch takes the zip path and miniz fails without an end record: nothing is unpickled. A training
            // killed inside torch.save leaves such a file; what its local headers hold is read for the user.
            trail.note(Verdict::Safe, "torch.load cannot open this zip (" + z.error().describe() + "): it unpickles nothing");
            openTruncatedZip(out, std::move(cache), z.error(), o, true);
        } else {
            // Podium is stricter than miniz in places: what torch would read cannot be decided from here.
            trail.note(Verdict::Unknown, "Podium cannot read this zip's directory (" + z.error().describe() +
                                             "), torch's reader might: what it would unpickle is not decided (data.pkl "
                                             "as its local header gives it is judged instead)");
            openTruncatedZip(out, std::move(cache), z.error(), o, false);
        }
        return out;
    }
    if (headLen == 512 && isTarHeader(head)) {
        openTar(out, *cache, o);
        return out;
    }
    openLegacy(out, std::move(cache), o);
    return out;
}

Result<std::unique_ptr<TorchFile>> TorchFile::open(ByteSource& src, const ReadOptions& o)
{
    Opened r = openJudged(src, o);
    if (r.error)
        return std::move(*r.error);
    return std::move(r.file);
}

Status TorchFile::indexZip()
{
    const std::size_t prefixLen = m_prefix.size();
    const std::size_t dataLen = prefixLen + kDataDir.size();
    const std::size_t entryCount = m_zip->entries().size();
    m_storageByNumber.assign(entryCount + 1, nullptr);
    for (const auto& e : m_zip->entries()) {
        // `<prefix>/data/<n>`, n decimal without sign (torch numbers storages 0, 1, 2, ...)
        const std::string_view name = e.name;
        if (name.size() <= dataLen || std::memcmp(name.data() + prefixLen, kDataDir.data(), kDataDir.size()) != 0 ||
            !std::equal(name.data(), name.data() + prefixLen, m_prefix.data()))
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
        m_storageByNumber[n] = &e;
    }
    if (const auto* bo = m_zip->find(m_prefix + "/byteorder"); bo && bo->uncompressedSize <= 16) {
        auto bytes = m_zip->read(*bo);
        if (!bytes)
            return std::move(bytes).error();
        m_bigEndian = std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()) == "big";
    }
    return {};
}

void TorchFile::openZip(Opened& out, std::unique_ptr<CachingSource> cache, zip::ZipArchive z, const ReadOptions& o)
{
    AuditTrail& trail = out.trail;
    std::unique_ptr<TorchFile> f(new TorchFile);
    ByteSource& src = *cache;
    f->m_source = cache.get();
    f->m_cache = std::move(cache);
    f->m_format = Format::Zip;
    f->m_zip.emplace(std::move(z));
    const zip::ZipArchive& zip = *f->m_zip;
    f->m_entryCount = zip.entries().size();
    trail.container = "zip";
    auto fail = [&](Error e) { out.error = std::move(e).inFile(src.name()); };

    if (zip.entries().empty()) {
        trail.note(Verdict::Safe, "the zip archive is empty: torch.load unpickles nothing");
        return fail(Error(ErrorCode::ZipNoDataPkl, "a zip archive without entries: not a torch checkpoint"));
    }
    // PyTorchStreamReader: every record lives under the first entry's folder; data.pkl is looked up there
    // the way miniz looks names up (ignoring case).
    const std::string_view first = zip.entries().front().name;
    const auto slash = first.find('/');
    if (slash == std::string_view::npos) {
        trail.note(Verdict::Safe, "the first entry '" + std::string(first) +
                                      "' is not in a folder: torch's reader refuses the archive and unpickles nothing");
        return fail(Error(ErrorCode::ZipNoDataPkl, "the first entry '" + std::string(first) +
                                                      "' is not in a folder: not a torch checkpoint"));
    }
    f->m_prefix = std::string(first.substr(0, slash));
    const std::string pklName = f->m_prefix + "/data.pkl";
    const auto candidates = zip.findAnyCase(pklName);
    // miniz's binary search finds the only match when there is one; with several, its exact order decides
    const zip::ZipEntry* pkl = candidates.size() == 1 ? candidates.front()
                               : candidates.empty()   ? nullptr
                                                      : zip.locateLikeMiniz(pklName);
    if (zip.endRecordCandidates() > 1)
        trail.note(Verdict::Safe, std::to_string(zip.endRecordCandidates()) +
                                      " end-of-central-directory signatures: the last one is used, as torch's reader does");
    if (candidates.size() > 1) {
        std::string names;
        for (const auto* c : candidates)
            names += (names.empty() ? "'" : ", '") + std::string(c->name) + "'";
        trail.note(Verdict::Unknown, "names that differ only in case: " + names + " — torch's reader (miniz) ignores case "
                                     "and returns '" + std::string(pkl ? pkl->name : "?") +
                                     "'; other readers and versions may pick another, so every one is judged");
    }
    // Other pickles in the archive torch.load never reads (judged for information) and TorchScript.
    std::vector<const zip::ZipEntry*> others;
    bool torchScript = false;
    for (const auto& e : zip.entries()) {
        if (e.name.size() > f->m_prefix.size() && e.name.starts_with(f->m_prefix) && e.name[f->m_prefix.size()] == '/' &&
            e.name.substr(f->m_prefix.size() + 1) == "constants.pkl")
            torchScript = true;
        if (e.name.ends_with(".pkl") && std::find(candidates.begin(), candidates.end(), &e) == candidates.end())
            others.push_back(&e);
    }
    if (torchScript)
        trail.note(Verdict::Unknown, "a TorchScript archive (" + f->m_prefix + "/constants.pkl): torch.load hands it to "
                                     "torch.jit.load, which runs its code; Podium judges only the pickles");
    if (!pkl) {
        trail.note(Verdict::Safe, "no " + pklName + ": torch.load fails before unpickling anything");
        if (!others.empty())
            trail.note(Verdict::Unknown, "the archive holds other pickles ('" + std::string(others.front()->name) +
                                             "' ...) under a folder torch does not read");
    }

    // Judge every candidate (torch's first); the one torch reads becomes the checkpoint's document.
    std::vector<const zip::ZipEntry*> order;
    if (pkl)
        order.push_back(pkl);
    for (const auto* c : candidates)
        if (c != pkl)
            order.push_back(c);
    for (const auto* c : others)
        order.push_back(c);
    std::optional<Error> mainError;
    bool headIsLocal = false;
    for (const zip::ZipEntry* e : order) {
        const bool isMain = e == pkl;
        const bool torchReads = isMain || std::find(candidates.begin(), candidates.end(), e) != candidates.end();
        if (e->uncompressedSize > o.limits.maxPickleBytes && e->compressedSize <= src.size()) {
            Error err(ErrorCode::PickleSizeLimit, "'" + std::string(e->name) + "' declares " + std::to_string(e->uncompressedSize) +
                                                      " bytes, more than the limit of " + std::to_string(o.limits.maxPickleBytes) +
                                                      " for a pickle (nothing was inflated)");
            trail.note(torchReads ? Verdict::Unknown : Verdict::Safe,
                       "'" + std::string(e->name) + "' is larger than Podium reads (" + std::to_string(e->uncompressedSize) +
                           " bytes): not judged");
            if (isMain)
                mainError = err;
            continue;
        }
        auto loaded = zip.load(*e, o.verifyCrc || e != pkl, o.limits.maxPickleBytes);
        if (!loaded) {
            trail.note(torchReads ? Verdict::Unknown : Verdict::Safe,
                       "'" + std::string(e->name) + "' could not be read (" + loaded.error().describe() + "): not judged");
            if (isMain)
                mainError = loaded.error();
            continue;
        }
        if (isMain && e->localHeaderOffset == 0)
            headIsLocal = true; // its local header (signature checked) is the file's first bytes
        if (loaded->localNameDiffers)
            trail.note(Verdict::Safe, "the local header of '" + std::string(e->name) +
                                          "' names another entry; torch's reader follows the central directory's entry "
                                          "(its data is what is judged)");
        if (loaded->inflatesPast)
            trail.note(Verdict::Safe, "'" + std::string(e->name) + "' inflates past its declared " +
                                          std::to_string(e->uncompressedSize) + " bytes: as torch's reader does, the declared "
                                          "size is read and judged, the rest never inflated");
        if (!loaded->crcMatches)
            trail.note(Verdict::Safe, "'" + std::string(e->name) + "' fails its CRC-32 check: torch reads these bytes when "
                                      "its CRC checks are off (and refuses the file otherwise); they are what is judged");
        const std::size_t begin = loaded->offset;
        const std::uint64_t pickleSize = loaded->buffer.size() - begin;
        // The pickle's bytes go back to the thread's BufferPool with the document (see util/BufferPool.h).
        auto buffer = std::shared_ptr<const std::vector<std::uint8_t>>(
            new std::vector<std::uint8_t>(std::move(loaded->buffer)), [](const std::vector<std::uint8_t>* b) {
                BufferPool::give(std::move(*const_cast<std::vector<std::uint8_t>*>(b)));
                delete b;
            });
        auto run = pickle::Machine::execute(std::move(buffer), begin, o.limits, "data.pkl");
        safety::JudgedPickle jp;
        jp.part = std::string(e->name);
        jp.readByTorch = torchReads;
        jp.mainObject = isMain;
        jp.error = run.error;
        auto doc = share(std::move(run.doc));
        jp.doc = doc;
        trail.pickles.push_back(std::move(jp));
        if (isMain) {
            if (run.error) {
                mainError = std::move(run.error);
            } else {
                f->m_pickleSize = pickleSize;
                f->m_doc = std::move(doc);
            }
            if (!loaded->crcMatches && o.verifyCrc && !mainError)
                mainError = Error(ErrorCode::ZipBadCentralDirectory, "entry '" + std::string(e->name) + "' fails its CRC-32 check");
        }
    }
    // The container torch picks: a file that does not start with a local header takes the legacy path.
    if (!headIsLocal) {
        std::uint8_t head[4] = {};
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(src.size(), 4));
        if (auto st = src.readAt(0, std::span(head, n)); !st)
            return fail(std::move(st).error());
        if (n < 4 || std::memcmp(head, kLocalMagic, 4) != 0) {
            // A polyglot (a pickle, then a zip): torch unpickles what the file starts with.
            out.trail = AuditTrail{};
            out.trail.note(Verdict::Unknown, "the file holds a zip archive but does not start with one (it starts with '" +
                                                 printable(head, n) + "'): torch.load takes the legacy path and "
                                                 "unpickles the file's first bytes, not the zip's data.pkl");
            auto kept = std::move(out.trail);
            openLegacy(out, std::move(f->m_cache), o);
            for (auto& n2 : kept.notes)
                out.trail.notes.insert(out.trail.notes.begin(), std::move(n2));
            return;
        }
    }
    if (!pkl)
        return fail(Error(ErrorCode::ZipNoDataPkl, "a zip archive without " + pklName + ": not a torch checkpoint"));
    if (mainError)
        return fail(std::move(*mainError));
    if (auto st = f->indexZip(); !st)
        return fail(std::move(st).error());
    out.file = std::move(f);
}

void TorchFile::openTruncatedZip(Opened& out, std::unique_ptr<CachingSource> cache, const Error& why, const ReadOptions& o,
                                 bool truncatedFile)
{
    ByteSource& src = *cache;
    const std::uint64_t size = src.size();
    // First data.pkl (torch writes it first), stopping at the storages: their sizes come from the pickle.
    auto z = zip::ZipArchive::recover(src, o.zipLimits, [](std::string_view name) -> std::optional<std::uint64_t> {
        if (name.find("/data/") != std::string_view::npos)
            return zip::ZipArchive::kStopRecovery;
        return std::nullopt;
    });
    const std::string ends = "the file ends at byte " + std::to_string(size);
    if (!truncatedFile) {
        // A broken directory, not a cut: the error stays the directory's; the recovered data.pkl is judged.
        out.error = Error(why).inFile(src.name());
        if (!z || z->entries().empty())
            return;
        const std::string_view first = z->entries().front().name;
        const auto slash = first.find('/');
        const zip::ZipEntry* pkl = slash == std::string_view::npos ? nullptr : z->find(std::string(first.substr(0, slash)) + "/data.pkl");
        if (!pkl)
            return;
        auto loaded = z->load(*pkl, false, o.limits.maxPickleBytes);
        if (!loaded)
            return;
        const std::size_t begin = loaded->offset;
        auto buffer = std::make_shared<const std::vector<std::uint8_t>>(std::move(loaded->buffer));
        auto run = pickle::Machine::execute(std::move(buffer), begin, o.limits, "data.pkl");
        safety::JudgedPickle jp;
        jp.part = std::string(pkl->name) + " (from its local header)";
        jp.mainObject = true;
        jp.error = run.error;
        jp.doc = share(std::move(run.doc));
        out.trail.pickles.push_back(std::move(jp));
        return;
    }
    if (!z) {
        out.error = Error(ErrorCode::TruncatedZip, "a zip cut short before its first entry is whole (" + ends + "; " +
                                                       why.describe() + ")", size, "file").inFile(src.name());
        return;
    }
    // When the zip's end records are missing but its entries are whole, the file was cut between entries or
    // inside the central directory; torch cannot load either.
    const std::string cut = z->cutEntry().empty() ? "" : ", inside '" + z->cutEntry() + "'";
    Error truncated(ErrorCode::TruncatedZip, "truncated (not loadable by torch): a zip without its central directory (" +
                                                 ends + cut + "; " + why.describe() + ")", size, "file");
    truncated.inFile(src.name());
    std::unique_ptr<TorchFile> f(new TorchFile);
    f->m_source = cache.get();
    f->m_cache = std::move(cache);
    f->m_format = Format::Zip;
    f->m_truncated = true;
    f->m_zip.emplace(std::move(*z));
    f->m_entryCount = f->m_zip->entries().size();
    const std::string_view first = f->m_zip->entries().front().name;
    const auto slash = first.find('/');
    const zip::ZipEntry* pkl = nullptr;
    if (slash != std::string_view::npos) {
        f->m_prefix = std::string(first.substr(0, slash));
        pkl = f->m_zip->find(f->m_prefix + "/data.pkl");
    }
    if (!pkl) {
        out.error = std::move(truncated);
        return;
    }
    auto loaded = f->m_zip->load(*pkl, true, o.limits.maxPickleBytes);
    if (!loaded || !loaded->crcMatches) {
        out.error = std::move(truncated);
        return;
    }
    const std::size_t begin = loaded->offset;
    f->m_pickleSize = loaded->buffer.size() - begin;
    auto buffer = std::make_shared<const std::vector<std::uint8_t>>(std::move(loaded->buffer));
    auto run = pickle::Machine::execute(std::move(buffer), begin, o.limits, "data.pkl");
    safety::JudgedPickle jp;
    jp.part = std::string(pkl->name) + " (recovered)";
    jp.readByTorch = false; // torch cannot open the file; judged for whoever repairs it
    jp.mainObject = true;
    jp.error = run.error;
    auto doc = share(std::move(run.doc));
    jp.doc = doc;
    out.trail.pickles.push_back(std::move(jp));
    if (run.error) {
        out.error = std::move(truncated);
        return;
    }
    // Then every record whose data survived, each storage's length from its numel (torch writes them in
    // the data descriptor after the data, which may be what was cut off).
    std::map<std::string, std::uint64_t, std::less<>> sizes;
    for (const auto* st : doc->storages)
        if (st->numel >= 0)
            sizes[f->m_prefix + "/data/" + std::string(st->key)] =
                static_cast<std::uint64_t>(st->numel) * (st->untyped ? 1 : std::max<std::size_t>(1, pickle::dtypeSize(st->dtype)));
    auto all = zip::ZipArchive::recover(src, o.zipLimits, [&](std::string_view name) -> std::optional<std::uint64_t> {
        if (auto it = sizes.find(name); it != sizes.end())
            return it->second;
        return name.find("/data/") != std::string_view::npos ? zip::ZipArchive::kStopRecovery : std::optional<std::uint64_t>{};
    });
    if (all && all->entries().size() >= f->m_zip->entries().size()) {
        f->m_zip.emplace(std::move(*all));
        f->m_entryCount = f->m_zip->entries().size();
        const std::string cut2 = f->m_zip->cutEntry().empty() ? "" : ", inside '" + f->m_zip->cutEntry() + "'";
        truncated.detail = "truncated (not loadable by torch): a zip without its central directory (" + ends + cut2 + "; " +
                           std::to_string(f->m_entryCount) + " whole records survive)";
    }
    out.error = std::move(truncated);
    if (!f->indexZip())
        return;
    f->m_doc = std::move(doc);
    out.file = std::move(f);
}

void TorchFile::openLegacy(Opened& out, std::unique_ptr<CachingSource> cache, const ReadOptions& o)
{
    // torch.serialization._legacy_load: pickle_module.load five times from the file's first byte — the
    // magic number, the protocol version, sys_info, the object itself, the storage keys — stopping at the
    // first that fails or whose value is not what torch expects. Each ran before its check: all are judged.
    ByteSource& src = *cache;
    const std::uint64_t size = src.size();
    AuditTrail& trail = out.trail;
    std::uint64_t window = std::min<std::uint64_t>(size, 1 << 20);
    static constexpr const char* kParts[] = {"magic number pickle", "protocol version pickle", "sys_info pickle",
                                              "main pickle", "storage keys pickle"};
    for (;;) {
        trail = AuditTrail{};
        trail.container = "legacy";
        auto bytes = src.read(0, static_cast<std::size_t>(window));
        if (!bytes) {
            out.error = std::move(bytes).error();
            trail.note(Verdict::Unknown, "the file could not be read: " + out.error->describe());
            return;
        }
        auto buffer = std::make_shared<const std::vector<std::uint8_t>>(std::move(*bytes));
        const bool whole = window >= size;
        std::size_t at = 0;
        std::shared_ptr<pickle::Document> docs[5];
        std::optional<Error> errors[5];
        int ran = 0;
        bool grow = false;
        for (int i = 0; i < 5; ++i) {
            auto run = pickle::Machine::execute(buffer, at, o.limits, kParts[i]);
            if (run.error && !whole && isTruncation(run.error->code) && window < o.limits.maxPickleBytes + at) {
                grow = true; // the pickle runs past the window: read more of the file and start again
                break;
            }
            docs[i] = share(std::move(run.doc));
            errors[i] = run.error;
            ran = i + 1;
            safety::JudgedPickle jp;
            jp.part = kParts[i];
            jp.mainObject = i == 3;
            jp.stream = true;
            jp.doc = docs[i];
            jp.error = run.error;
            trail.pickles.push_back(std::move(jp));
            if (run.error)
                break;
            at = docs[i]->end;
            const pickle::Value* root = docs[i]->root;
            // torch's checks after the first two pickles: a wrong value ends torch.load there
            if (i == 0 && !(root->kind == Kind::BigInt && root->text() == kLegacyMagic))
                break;
            if (i == 1 && !(root->kind == Kind::Int && root->integer() == 1001))
                break;
            if (i == 4)
                break;
            if (at >= buffer->size()) {
                grow = !whole; // the next pickle starts past the window
                break;
            }
        }
        if (grow) {
            window = std::min<std::uint64_t>(size, window * 4);
            continue;
        }
        // What reading the file as a checkpoint makes of it.
        auto fail = [&](Error e) { out.error = std::move(e).inFile(src.name()); };
        const bool cutShort = [&] {
            for (int i = 0; i < ran; ++i)
                if (errors[i] && isTruncation(errors[i]->code) && whole)
                    return true;
            return false;
        }();
        if (ran >= 1 && !errors[0] && docs[0]->root->kind == Kind::BigInt && docs[0]->root->text() == kLegacyMagic) {
            if (ran < 5 || errors[4]) {
                const int broken = errors[ran - 1] ? ran - 1 : ran;
                if (cutShort) {
                    trail.note(Verdict::Safe, "the legacy file is cut short inside its " + std::string(kParts[broken]) +
                                                  ": torch.load fails there, after running what came before");
                    return fail(Error(ErrorCode::TruncatedLegacy, "truncated (not loadable by torch): the file ends at byte " +
                                                                     std::to_string(size) + " inside its " + kParts[broken] +
                                                                     " (" + errors[ran - 1]->describe() + ")",
                                      size, "file"));
                }
                if (errors[ran - 1])
                    return fail(std::move(*errors[ran - 1]));
                if (ran == 2)
                    return fail(Error(ErrorCode::LegacyBadHeader, "unsupported legacy protocol version (torch writes 1001)",
                                      docs[0]->end, "file"));
                return fail(Error(ErrorCode::LegacyBadHeader, "the legacy file ends after its " + std::string(kParts[ran - 1]),
                                  at, "file"));
            }
            break; // all five: the storages below
        }
        // Not a torch file. torch.load still unpickled its first pickle (a text file is a protocol 0 pickle
        // to it), so the trail keeps it; as a checkpoint it is unknown.
        trail.container = "pickle";
        if (ran >= 1 && !errors[0])
            return fail(Error(ErrorCode::LegacyBadMagic, "a pickle, but not a torch file (no torch magic number first)"));
        std::uint8_t head[8] = {};
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(size, sizeof head));
        std::memcpy(head, buffer->data(), n);
        if (head[0] == 0x80)
            return fail(errors[0] ? std::move(*errors[0]) : Error(ErrorCode::LegacyBadMagic, "not a torch file"));
        return fail(Error(ErrorCode::UnknownFormat, "not a torch checkpoint (neither a zip archive nor a pickle): starts with '" +
                                                        printable(head, n) + "'" +
                                                        (errors[0] ? " (as a pickle: " + errors[0]->describe() + ")" : "")));
    }

    std::unique_ptr<TorchFile> f(new TorchFile);
    f->m_source = cache.get();
    f->m_cache = std::move(cache);
    f->m_format = Format::Legacy;
    auto fail = [&](Error e) { out.error = std::move(e).inFile(src.name()); };
    const auto& ps = trail.pickles;
    const pickle::Document& sys = *ps[2].doc;
    if (sys.root->kind != Kind::Dict)
        return fail(Error(ErrorCode::LegacyBadHeader, "the sys_info pickle is not a dict", ps[1].doc->end, "file"));
    if (const auto* le = sys.root->get("little_endian"); le && le->kind == Kind::Bool)
        f->m_bigEndian = !le->boolean;
    const pickle::Document& keys = *ps[4].doc;
    if (keys.root->kind != Kind::List)
        return fail(Error(ErrorCode::LegacyBadHeader, "the storage-key list after the main pickle is missing", ps[3].doc->end, "file"));
    f->m_doc = std::const_pointer_cast<pickle::Document>(ps[3].doc);
    f->m_pickleSize = ps[3].doc->end - ps[2].doc->end;

    // Storage layout: keys in the listed order, each an 8-byte count then numel * element size bytes.
    std::uint64_t pos = keys.end;
    for (const auto* k : keys.root->items()) {
        if (k->kind != Kind::Str)
            return fail(Error(ErrorCode::LegacyBadHeader, "a storage key is not a string", pos, "file"));
        const pickle::StorageRef* ref = nullptr;
        for (const auto* st : f->m_doc->storages)
            if (st->key == k->text()) { ref = st; break; }
        if (!ref)
            return fail(Error(ErrorCode::LegacyBadStorage, "storage '" + std::string(k->text()) + "' is listed but no tensor names it",
                              pos, "file"));
        const std::uint64_t es = std::max<std::size_t>(1, pickle::dtypeSize(ref->dtype));
        if (ref->numel < 0 || static_cast<std::uint64_t>(ref->numel) > (std::uint64_t{1} << 62) / es)
            return fail(Error(ErrorCode::LegacyBadStorage, "storage '" + std::string(k->text()) + "' declares " +
                                                               std::to_string(ref->numel) + " elements", pos, "file"));
        const std::uint64_t bytes = static_cast<std::uint64_t>(ref->numel) * es;
        if (pos > size || 8 + bytes > size - pos) {
            // cut inside the storages: the pickles are whole, the weights are not
            f->m_truncated = true;
            out.error = Error(ErrorCode::TruncatedLegacy, "truncated (not loadable by torch): the file ends at byte " +
                                                              std::to_string(size) + ", inside storage '" + std::string(k->text()) +
                                                              "' (" + std::to_string(bytes) + " bytes at " + std::to_string(pos) + ")",
                              size, "file").inFile(src.name());
            break;
        }
        f->m_legacy.emplace(std::string(k->text()), LegacyStorage{pos, bytes, es});
        pos += 8 + bytes;
    }
    f->m_entryCount = f->m_legacy.size();
    out.file = std::move(f);
}

void TorchFile::openTar(Opened& out, ByteSource& src, const ReadOptions& o)
{
    // torch.serialization.legacy_load (torch < 1.0): a tar with members 'sys_info', 'storages', 'tensors' and
    // 'pickle'. torch unpickles, in this order: the storages member's pickles (a count, then per storage an
    // argument tuple followed by its raw bytes, then the views), the tensors member's (a count, then per
    // tensor an argument tuple and its raw shape), then the pickle member. Podium judges the pickles it can
    // reach; reading the format as a checkpoint is not supported.
    AuditTrail& trail = out.trail;
    trail.container = "tar";
    const std::uint64_t size = src.size();
    struct Member {
        std::uint64_t offset, size;
    };
    std::map<std::string, Member> members;
    std::uint64_t at = 0;
    std::uint8_t block[512];
    while (at + 512 <= size && members.size() < 4096) {
        if (!src.readAt(at, block))
            break;
        if (std::all_of(block, block + 512, [](std::uint8_t c) { return c == 0; }) || !isTarHeader(block))
            break;
        std::size_t n = 0;
        while (n < 100 && block[n]) ++n;
        const auto len = tarNumber(block + 124, 12).value_or(0);
        members.emplace(std::string(reinterpret_cast<const char*>(block), n), Member{at + 512, len});
        at += 512 + ((len + 511) / 512) * 512;
    }
    auto judgeMember = [&](const std::string& name, bool sequence) {
        auto it = members.find(name);
        if (it == members.end())
            return false;
        const Member m = it->second;
        if (m.size > o.limits.maxPickleBytes || m.offset + m.size > size) {
            trail.note(Verdict::Unknown, "tar member '" + name + "' is larger than Podium reads or cut short: not judged");
            return true;
        }
        auto bytes = src.read(m.offset, static_cast<std::size_t>(m.size));
        if (!bytes) {
            trail.note(Verdict::Unknown, "tar member '" + name + "' could not be read: not judged");
            return true;
        }
        auto buffer = std::make_shared<const std::vector<std::uint8_t>>(std::move(*bytes));
        auto run = pickle::Machine::execute(buffer, 0, o.limits, "tar member");
        safety::JudgedPickle jp;
        jp.part = "tar member '" + name + "'" + (sequence ? " (its first pickle)" : "");
        jp.stream = sequence;
        jp.mainObject = name == "pickle";
        jp.error = run.error;
        jp.doc = share(std::move(run.doc));
        const bool more = sequence && !run.error && jp.doc->end < buffer->size();
        trail.pickles.push_back(std::move(jp));
        if (more)
            trail.note(Verdict::Unknown, "tar member '" + name + "' holds further pickles between raw storage bytes, which "
                                         "Podium does not judge");
        return true;
    };
    if (!judgeMember("storages", true)) {
        trail.note(Verdict::Safe, "a tar without a 'storages' member: torch.load fails before unpickling anything");
    } else {
        judgeMember("tensors", true);
        judgeMember("pickle", false);
    }
    out.error = Error(ErrorCode::UnknownFormat, "a tar archive: torch's pre-1.0 tar format is not supported").inFile(src.name());
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
