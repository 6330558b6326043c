// SPDX-License-Identifier: GPL-3.0-or-later
#include "safety/Audit.h"

#include "pickle/ValueJson.h"
#include "util/Sha256.h"

#include <algorithm>

namespace podium::safety {

using pickle::Kind;
using pickle::Value;

std::string_view verdictName(Verdict v) noexcept
{
    switch (v) {
    case Verdict::Safe: return "safe";
    case Verdict::Suspicious: return "suspicious";
    case Verdict::Unsafe: return "unsafe";
    }
    return "suspicious";
}

Verdict levelOf(pickle::Verdict v) noexcept
{
    return v == pickle::Verdict::Safe ? Verdict::Safe : v == pickle::Verdict::Unsafe ? Verdict::Unsafe : Verdict::Suspicious;
}

namespace {

/// Where in the main object a byte offset of its pickle lies. A pickle is written depth first, so the
/// value of each top-level key (and of each callback state) is the stretch of bytes from its key to the
/// next key: a global is placed by the offset of the opcode that names it, which also places the globals
/// whose value the tree no longer shows (a tensor's rebuild function, a REDUCE whose result was popped).
class Places {
public:
    Places(const Value* root, std::string suffix) : m_suffix(std::move(suffix))
    {
        if (!root || !root->isDictLike())
            return;
        for (const auto& [k, v] : root->entries()) {
            const std::string key = keyText(k);
            m_marks.push_back({k->offset, key});
            if (key == "callbacks" && v && v->isDictLike())
                for (const auto& [ck, cv] : v->entries())
                    m_marks.push_back({ck->offset, "callbacks: " + keyText(ck)});
        }
        std::stable_sort(m_marks.begin(), m_marks.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    }

    std::string at(std::uint64_t offset) const
    {
        auto it = std::upper_bound(m_marks.begin(), m_marks.end(), offset,
                                   [](std::uint64_t o, const auto& m) { return o < m.first; });
        const std::string label = it == m_marks.begin() ? "top level" : std::prev(it)->second;
        return m_suffix.empty() ? label : label + " (" + m_suffix + ")";
    }

private:
    static std::string keyText(const Value* k)
    {
        if (!k)
            return "?";
        if (k->kind == Kind::Str)
            return std::string(k->text());
        if (k->kind == Kind::Global)
            return k->qualifiedName();
        return pickle::repr(k);
    }
    std::vector<std::pair<std::uint64_t, std::string>> m_marks;
    std::string m_suffix;
};

constexpr std::string_view kPlainUnknown = "not on the allow-list of known inert names";

std::string describe(const GlobalReport& g)
{
    std::string s = g.module + "." + g.name;
    s += " (" + (g.reason.empty() ? std::string(kPlainUnknown) : g.reason) + ")";
    if (!g.where.empty())
        s += " in " + g.where;
    return s;
}

} // namespace

Audit judge(const AuditTrail& trail, bool withPlaces)
{
    Audit a;
    a.container = trail.container;
    auto raise = [&](Verdict v) { a.verdict = std::max(a.verdict, v); };
    std::vector<std::string> unsafeWhy, suspiciousWhy;
    auto because = [&](Verdict v, std::string why) {
        raise(v);
        if (v == Verdict::Unsafe)
            unsafeWhy.push_back(std::move(why));
        else if (v == Verdict::Suspicious)
            suspiciousWhy.push_back(std::move(why));
    };

    for (const auto& p : trail.pickles)
        if (p.mainObject && a.mainPart.empty())
            a.mainPart = p.part;
    for (const auto& p : trail.pickles) {
        if (!p.doc)
            continue;
        const pickle::Document& d = *p.doc;
        if (withPlaces) {
            PickleReport pr;
            pr.part = p.part;
            pr.readByTorch = p.readByTorch;
            const auto& buf = *d.buffer;
            pr.bytes = (p.error ? buf.size() : d.end) - d.begin;
            const std::size_t to = p.stream && !p.error ? d.end : buf.size();
            if (auto h = sha256Bytes(std::span(buf.data() + d.begin, to - d.begin)))
                pr.sha256 = *h;
            if (p.error)
                pr.error = p.error->describe();
            a.pickles.push_back(std::move(pr));
        }
        // a zip's data.pkl is the checkpoint itself: its places need no suffix; a legacy file says which pickle
        Places places(withPlaces && p.mainObject ? d.root : nullptr, p.part.ends_with("data.pkl") ? "" : p.part);
        auto placeOf = [&](std::uint64_t offset) -> std::string {
            if (!withPlaces)
                return {};
            if (!p.mainObject)
                return p.part;
            return places.at(offset);
        };
        for (const auto& g : d.globals) {
            GlobalReport r;
            r.module = g.module;
            r.name = g.name;
            r.writtenModule = g.writtenModule;
            r.writtenName = g.writtenName;
            r.verdict = g.verdict;
            r.reason = g.reason; // "" for a plain Unknown: not on the allow-list
            r.count = g.count;
            r.calls = g.calls;
            r.offset = g.firstOffset;
            r.part = p.part;
            r.readByTorch = p.readByTorch;
            r.where = placeOf(g.firstOffset);
            if (g.verdict != pickle::Verdict::Safe) {
                const Verdict level = levelOf(g.verdict);
                if (p.readByTorch)
                    because(level, describe(r));
                else
                    because(Verdict::Suspicious, r.module + "." + r.name + " (" + std::string(verdictName(level)) +
                                                     ") in " + p.part + ", which torch.load does not read");
            }
            if (withPlaces)
                a.globals.push_back(std::move(r));
        }
        for (const auto& f : d.findings) {
            Finding out;
            out.level = p.readByTorch ? levelOf(f.verdict) : Verdict::Suspicious;
            out.what = f.what + " (at byte " + std::to_string(f.offset) + " of " + p.part + ")";
            out.where = placeOf(f.offset);
            because(out.level, out.what);
            a.findings.push_back(std::move(out));
        }
        if (p.error && p.readByTorch && !pickle::cpythonAlsoFails(p.error->code)) {
            Finding out;
            out.level = Verdict::Suspicious;
            out.what = "Podium stopped reading " + p.part + " at one of its budgets (" + p.error->describe() +
                       "); CPython would read on, and what follows is not judged";
            because(out.level, out.what);
            a.findings.push_back(std::move(out));
        }
    }
    for (const auto& n : trail.notes) {
        Finding out;
        out.level = levelOf(n.verdict);
        out.what = n.what;
        if (n.verdict != pickle::Verdict::Safe)
            because(out.level, out.what);
        a.findings.push_back(std::move(out));
    }

    const auto& why = a.verdict == Verdict::Unsafe ? unsafeWhy : suspiciousWhy;
    a.summary = std::string(verdictName(a.verdict));
    if (a.verdict == Verdict::Safe) {
        a.summary += trail.pickles.empty() ? ": nothing that torch.load would unpickle"
                                           : ": every global torch.load would look up is on the allow-list";
    } else {
        a.summary += ": ";
        for (std::size_t i = 0; i < why.size() && i < 3; ++i)
            a.summary += (i ? "; " : "") + why[i];
        if (why.size() > 3)
            a.summary += "; and " + std::to_string(why.size() - 3) + " more";
    }
    return a;
}

} // namespace podium::safety
