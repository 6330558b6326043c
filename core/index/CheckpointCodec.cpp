// SPDX-License-Identifier: GPL-3.0-or-later
#include "index/CheckpointCodec.h"

#include <cstring>

namespace podium::index {

namespace {

using checkpoint::CallbackState;
using checkpoint::Checkpoint;
using checkpoint::Score;

constexpr std::uint8_t kMagic = 0xC7; // first byte of every record, then the codec version

#define PODIUM_COUNT_CODE(name) +1
constexpr std::uint64_t kErrorCodes = 0 PODIUM_ERROR_CODES(PODIUM_COUNT_CODE);
#undef PODIUM_COUNT_CODE

// String tags: a reference to one of the names, or the bytes.
constexpr std::uint8_t kText = 0, kRel = 1, kPath = 2;

class Writer {
public:
    explicit Writer(Names names) : m_names(names) {}
    std::string take() { return std::move(m_out); }

    void u8(std::uint8_t v) { m_out.push_back(static_cast<char>(v)); }
    void flag(bool b) { u8(b ? 1 : 0); }
    void uv(std::uint64_t v)
    {
        while (v >= 0x80) {
            u8(static_cast<std::uint8_t>(v | 0x80));
            v >>= 7;
        }
        u8(static_cast<std::uint8_t>(v));
    }
    void iv(std::int64_t v) { uv((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63)); } // zigzag
    void f64(double d)
    {
        char b[8];
        std::memcpy(b, &d, 8);
        m_out.append(b, 8);
    }
    void raw(std::string_view s)
    {
        uv(s.size());
        m_out.append(s);
    }
    void str(std::string_view s)
    {
        if (!s.empty() && s == m_names.rel) {
            u8(kRel);
        } else if (!s.empty() && s == m_names.path) {
            u8(kPath);
        } else {
            u8(kText);
            raw(s);
        }
    }
    void strs(const std::vector<std::string>& v)
    {
        uv(v.size());
        for (const auto& s : v)
            str(s);
    }
    void optI(const std::optional<std::int64_t>& v)
    {
        flag(v.has_value());
        if (v)
            iv(*v);
    }
    void optS(const std::optional<std::string>& v)
    {
        flag(v.has_value());
        if (v)
            str(*v);
    }
    void score(const Score& s)
    {
        flag(s.has_value());
        if (s)
            f64(*s);
    }
    void js(const nlohmann::json& j)
    {
        if (j.is_null()) {
            u8(0);
            return;
        }
        u8(1);
        const auto bytes = nlohmann::json::to_msgpack(j);
        raw(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    }
    void error(const Error& e)
    {
        uv(static_cast<std::uint16_t>(e.code));
        str(e.file);
        uv(e.offset);
        str(e.detail);
        str(e.where);
    }
    void optError(const std::optional<Error>& e)
    {
        flag(e.has_value());
        if (e)
            error(*e);
    }
    template <typename Map>
    void counts(const Map& m)
    {
        uv(m.size());
        for (const auto& [k, n] : m) {
            str(k);
            uv(n);
        }
    }

private:
    Names m_names;
    std::string m_out;
};

struct Bad {};

class Reader {
public:
    Reader(std::string_view in, Names names) : m_in(in), m_names(names) {}
    bool atEnd() const noexcept { return m_pos == m_in.size(); }

    std::uint8_t u8()
    {
        if (m_pos >= m_in.size())
            throw Bad{};
        return static_cast<std::uint8_t>(m_in[m_pos++]);
    }
    bool flag()
    {
        const auto b = u8();
        if (b > 1)
            throw Bad{};
        return b == 1;
    }
    std::uint64_t uv()
    {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            const auto b = u8();
            v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if (!(b & 0x80))
                return v;
        }
        throw Bad{};
    }
    std::int64_t iv()
    {
        const auto u = uv();
        return static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
    }
    /// A count of items that each take at least one byte: never more than what is left.
    std::size_t count()
    {
        const auto n = uv();
        if (n > m_in.size() - m_pos)
            throw Bad{};
        return static_cast<std::size_t>(n);
    }
    double f64()
    {
        if (m_in.size() - m_pos < 8)
            throw Bad{};
        double d;
        std::memcpy(&d, m_in.data() + m_pos, 8);
        m_pos += 8;
        return d;
    }
    std::string_view raw()
    {
        const auto n = count();
        const auto s = m_in.substr(m_pos, n);
        m_pos += n;
        return s;
    }
    std::string str()
    {
        switch (u8()) {
        case kText: return std::string(raw());
        case kRel: return std::string(m_names.rel);
        case kPath: return std::string(m_names.path);
        default: throw Bad{};
        }
    }
    std::vector<std::string> strs()
    {
        std::vector<std::string> v(count());
        for (auto& s : v)
            s = str();
        return v;
    }
    std::optional<std::int64_t> optI()
    {
        if (!flag())
            return std::nullopt;
        return iv();
    }
    std::optional<std::string> optS()
    {
        if (!flag())
            return std::nullopt;
        return str();
    }
    Score score()
    {
        if (!flag())
            return std::nullopt;
        return f64();
    }
    nlohmann::json js()
    {
        if (u8() == 0)
            return nullptr;
        const auto b = raw();
        auto j = nlohmann::json::from_msgpack(b.begin(), b.end(), true, false);
        if (j.is_discarded())
            throw Bad{};
        return j;
    }
    Error error()
    {
        Error e;
        const auto code = uv();
        if (code >= kErrorCodes)
            throw Bad{};
        e.code = static_cast<ErrorCode>(code);
        e.file = str();
        e.offset = uv();
        e.detail = str();
        e.where = str();
        return e;
    }
    std::optional<Error> optError()
    {
        if (!flag())
            return std::nullopt;
        return error();
    }
    template <typename E>
    E enumOf(std::uint8_t last)
    {
        const auto v = u8();
        if (v > last)
            throw Bad{};
        return static_cast<E>(v);
    }
    template <typename Map>
    void counts(Map& m)
    {
        for (std::size_t n = count(); n > 0; --n) {
            auto k = str();
            m[std::move(k)] = static_cast<typename Map::mapped_type>(uv());
        }
    }

private:
    std::string_view m_in;
    Names m_names;
    std::size_t m_pos = 0;
};

void writeCallback(Writer& w, const CallbackState& c)
{
    w.str(c.stateKey);
    w.str(c.kind);
    w.str(c.monitor);
    w.u8(static_cast<std::uint8_t>(c.mode));
    w.str(c.modeSource);
    w.score(c.currentScore);
    w.score(c.bestModelScore);
    w.str(c.bestModelPath);
    w.uv(c.bestKModels.size());
    for (const auto& [path, s] : c.bestKModels) {
        w.str(path);
        w.score(s);
    }
    w.flag(c.hasBestKModels);
    w.str(c.kthBestModelPath);
    w.score(c.kthValue);
    w.str(c.lastModelPath);
    w.str(c.dirpath);
    w.js(c.keyFields);
    w.flag(c.fromTopLevelKeys);
    w.strs(c.warnings);
}

CallbackState readCallback(Reader& r)
{
    CallbackState c;
    c.stateKey = r.str();
    c.kind = r.str();
    c.monitor = r.str();
    c.mode = r.enumOf<checkpoint::Mode>(static_cast<std::uint8_t>(checkpoint::Mode::Max));
    c.modeSource = r.str();
    c.currentScore = r.score();
    c.bestModelScore = r.score();
    c.bestModelPath = r.str();
    c.bestKModels.resize(r.count());
    for (auto& [path, s] : c.bestKModels) {
        path = r.str();
        s = r.score();
    }
    c.hasBestKModels = r.flag();
    c.kthBestModelPath = r.str();
    c.kthValue = r.score();
    c.lastModelPath = r.str();
    c.dirpath = r.str();
    c.keyFields = r.js();
    c.fromTopLevelKeys = r.flag();
    c.warnings = r.strs();
    return c;
}

void writeAudit(Writer& w, const safety::Audit& a)
{
    w.u8(static_cast<std::uint8_t>(a.verdict));
    w.str(a.container);
    w.str(a.mainPart);
    w.uv(a.pickles.size());
    for (const auto& p : a.pickles) {
        w.str(p.part);
        w.flag(p.readByTorch);
        w.uv(p.bytes);
        w.str(p.sha256);
        w.str(p.error);
    }
    w.uv(a.globals.size());
    for (const auto& g : a.globals) {
        w.str(g.module);
        w.str(g.name);
        w.str(g.writtenModule);
        w.str(g.writtenName);
        w.u8(static_cast<std::uint8_t>(g.verdict));
        w.str(g.reason);
        w.str(g.where);
        w.str(g.part);
        w.flag(g.readByTorch);
        w.uv(g.count);
        w.uv(g.calls);
        w.uv(g.offset);
    }
    w.uv(a.findings.size());
    for (const auto& f : a.findings) {
        w.u8(static_cast<std::uint8_t>(f.level));
        w.str(f.what);
        w.str(f.where);
    }
    w.str(a.summary);
}

safety::Audit readAudit(Reader& r)
{
    safety::Audit a;
    a.verdict = r.enumOf<safety::Verdict>(static_cast<std::uint8_t>(safety::Verdict::Unsafe));
    a.container = r.str();
    a.mainPart = r.str();
    a.pickles.resize(r.count());
    for (auto& p : a.pickles) {
        p.part = r.str();
        p.readByTorch = r.flag();
        p.bytes = r.uv();
        p.sha256 = r.str();
        p.error = r.str();
    }
    a.globals.resize(r.count());
    for (auto& g : a.globals) {
        g.module = r.str();
        g.name = r.str();
        g.writtenModule = r.str();
        g.writtenName = r.str();
        g.verdict = r.enumOf<pickle::Verdict>(static_cast<std::uint8_t>(pickle::Verdict::Unsafe));
        g.reason = r.str();
        g.where = r.str();
        g.part = r.str();
        g.readByTorch = r.flag();
        g.count = static_cast<std::uint32_t>(r.uv());
        g.calls = static_cast<std::uint32_t>(r.uv());
        g.offset = r.uv();
    }
    a.findings.resize(r.count());
    for (auto& f : a.findings) {
        f.level = r.enumOf<safety::Verdict>(static_cast<std::uint8_t>(safety::Verdict::Unsafe));
        f.what = r.str();
        f.where = r.str();
    }
    a.summary = r.str();
    return a;
}

void writeCheckpoint(Writer& w, const Checkpoint& c)
{
    w.u8(static_cast<std::uint8_t>(c.detail));
    w.str(c.file);
    w.uv(c.fileSize);
    w.str(c.format);
    w.str(c.zipPrefix);
    w.flag(c.bigEndian);
    w.uv(c.entries);
    w.iv(c.pickleProtocol);
    w.uv(c.pickleBytes);
    w.str(c.topLevelType);
    w.strs(c.topLevelKeys);
    w.flag(c.isLightning);
    w.str(c.notLightningReason);
    w.optS(c.lightningVersion);
    w.optI(c.epoch);
    w.optI(c.globalStep);
    w.uv(c.callbacks.size());
    for (const auto& cb : c.callbacks)
        writeCallback(w, cb);
    w.strs(c.otherCallbacks);
    w.js(c.hyperParameters);
    w.str(c.hparamsName);
    w.js(c.datamoduleHyperParameters);
    w.uv(c.stateDict.tensors);
    w.uv(c.stateDict.elements);
    w.uv(c.stateDict.bytes);
    w.counts(c.stateDict.dtypes);
    w.counts(c.stateDict.locations);
    w.uv(c.optimizers);
    w.uv(c.lrSchedulers);
    w.strs(c.loops);
    w.flag(c.truncated);
    w.optError(c.truncation);
    w.u8(static_cast<std::uint8_t>(c.verdict));
    writeAudit(w, c.audit);
    w.strs(c.warnings);
    w.uv(c.bytesRead);
}

Checkpoint readCheckpoint(Reader& r)
{
    Checkpoint c;
    c.detail = r.enumOf<checkpoint::Detail>(static_cast<std::uint8_t>(checkpoint::Detail::Ranking));
    c.file = r.str();
    c.fileSize = r.uv();
    c.format = r.str();
    c.zipPrefix = r.str();
    c.bigEndian = r.flag();
    c.entries = static_cast<std::size_t>(r.uv());
    c.pickleProtocol = static_cast<int>(r.iv());
    c.pickleBytes = r.uv();
    c.topLevelType = r.str();
    c.topLevelKeys = r.strs();
    c.isLightning = r.flag();
    c.notLightningReason = r.str();
    c.lightningVersion = r.optS();
    c.epoch = r.optI();
    c.globalStep = r.optI();
    const std::size_t callbacks = r.count();
    c.callbacks.reserve(callbacks);
    for (std::size_t i = 0; i < callbacks; ++i)
        c.callbacks.push_back(readCallback(r));
    c.otherCallbacks = r.strs();
    c.hyperParameters = r.js();
    c.hparamsName = r.str();
    c.datamoduleHyperParameters = r.js();
    c.stateDict.tensors = static_cast<std::size_t>(r.uv());
    c.stateDict.elements = r.uv();
    c.stateDict.bytes = r.uv();
    r.counts(c.stateDict.dtypes);
    r.counts(c.stateDict.locations);
    c.optimizers = static_cast<std::size_t>(r.uv());
    c.lrSchedulers = static_cast<std::size_t>(r.uv());
    c.loops = r.strs();
    c.truncated = r.flag();
    c.truncation = r.optError();
    c.verdict = r.enumOf<safety::Verdict>(static_cast<std::uint8_t>(safety::Verdict::Unsafe));
    c.audit = readAudit(r);
    c.warnings = r.strs();
    c.bytesRead = r.uv();
    return c;
}

} // namespace

std::string encode(const ReadOutcome& o, Names names)
{
    Writer w(names);
    w.u8(kMagic);
    w.uv(kCodecVersion);
    w.u8(static_cast<std::uint8_t>(o.verdict));
    w.str(o.verdictSummary);
    w.optError(o.error);
    w.flag(o.checkpoint.has_value());
    if (o.checkpoint)
        writeCheckpoint(w, *o.checkpoint);
    return w.take();
}

std::optional<ReadOutcome> decode(std::string_view bytes, Names names)
{
    try {
        Reader r(bytes, names);
        if (r.u8() != kMagic || r.uv() != kCodecVersion)
            return std::nullopt;
        ReadOutcome o;
        o.verdict = r.enumOf<safety::Verdict>(static_cast<std::uint8_t>(safety::Verdict::Unsafe));
        o.verdictSummary = r.str();
        o.error = r.optError();
        if (r.flag())
            o.checkpoint = readCheckpoint(r);
        if (!r.atEnd())
            return std::nullopt;
        return o;
    } catch (const Bad&) {
        return std::nullopt;
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
}

} // namespace podium::index
