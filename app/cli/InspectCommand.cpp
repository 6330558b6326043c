// SPDX-License-Identifier: GPL-3.0-or-later
// podium-cli inspect FILE... [--json]
#include "cli/Command.h"
#include "cli/RemoteArgs.h"

#include "checkpoint/CheckpointReader.h"
#include "pickle/Value.h"

#include <iostream>

namespace podium::cli {

namespace {

std::string humanBytes(std::uint64_t b)
{
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(b);
    int u = 0;
    while (v >= 1024 && u < 4) { v /= 1024; ++u; }
    char buf[32];
    std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", v, units[u]);
    return buf;
}

class InspectCommand : public Command {
public:
    void setup(CLI::App& app) override
    {
        sub = app.add_subcommand("inspect", "Show what checkpoint files contain (epoch, step, callback states, "
                                            "hyper-parameters, globals and their safety verdict)");
        sub->add_option("files", m_files, "Checkpoint files or object URLs (s3://, https://)")->required()->check(existingOrRemote(false));
        m_remote.add(sub);
        sub->add_flag("--json", m_json, "JSON: one object for one file, an array for several");
    }

    int run() override
    {
        nlohmann::json all = nlohmann::json::array();
        bool failed = false;
        checkpoint::ReadOptions opts;
        opts.verifyCrc = true;
        for (const auto& f : m_files) {
            auto r = m_remote.judge(f, opts);
            if (!r.checkpoint) {
                failed = true;
                if (m_json) {
                    all.push_back(checkpoint::errorJson(f, *r.error, &r.audit));
                } else {
                    std::cerr << "error: " << r.error->message() << '\n';
                    std::cout << f << "\n";
                    printVerdict(r.audit);
                }
                continue;
            }
            if (r.checkpoint->truncated)
                failed = true; // listed with what it knows, but not a readable checkpoint
            if (m_json)
                all.push_back(checkpoint::toJson(*r.checkpoint));
            else
                printHuman(*r.checkpoint);
        }
        if (m_json)
            printJson(std::cout, m_files.size() == 1 ? all.at(0) : all);
        return failed ? Failed : Ok;
    }

private:
    void printHuman(const checkpoint::Checkpoint& c)
    {
        auto& o = std::cout;
        o << c.file << "\n";
        o << "  format           " << c.format << (c.format == "zip" ? " (prefix '" + c.zipPrefix + "/')" : std::string())
          << ", pickle protocol " << c.pickleProtocol << ", " << humanBytes(c.fileSize) << ", "
          << (c.bigEndian ? "big-endian" : "little-endian") << "\n";
        if (!c.isLightning)
            o << "  lightning        no — " << c.notLightningReason << "\n";
        else
            o << "  lightning        " << c.lightningVersion.value_or("?") << "\n";
        if (c.epoch) o << "  epoch            " << *c.epoch << "\n";
        if (c.globalStep) o << "  global_step      " << *c.globalStep << "\n";
        const auto& sd = c.stateDict;
        o << "  state_dict       " << sd.tensors << " tensors, " << sd.elements << " parameters, " << humanBytes(sd.bytes);
        for (const auto& [d, n] : sd.dtypes) o << ", " << n << "×" << d;
        for (const auto& [l, n] : sd.locations) o << ", " << l;
        o << "\n";
        if (c.isLightning)
            o << "  optimizers       " << c.optimizers << ", lr_schedulers " << c.lrSchedulers << "\n";
        for (const auto& cb : c.callbacks) {
            o << "  callback         " << cb.stateKey << "\n";
            o << "    monitor        " << (cb.monitor.empty() ? "-" : cb.monitor) << " ("
              << checkpoint::modeName(cb.mode) << ", from " << cb.modeSource << ")\n";
            o << "    current_score  " << formatScore(cb.currentScore) << "\n";
            o << "    best           " << formatScore(cb.bestModelScore) << "  " << cb.bestModelPath << "\n";
            if (cb.hasBestKModels) {
                o << "    best_k_models  " << cb.bestKModels.size() << "\n";
                for (const auto& [p, s] : cb.bestKModels)
                    o << "      " << formatScore(s) << "  " << p << "\n";
            }
            if (!cb.lastModelPath.empty()) o << "    last           " << cb.lastModelPath << "\n";
            if (!cb.dirpath.empty()) o << "    dirpath        " << cb.dirpath << "\n";
        }
        if (!c.hyperParameters.is_null())
            o << "  hyper_parameters " << c.hyperParameters.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
        if (c.truncated && c.truncation)
            o << "  TRUNCATED        " << c.truncation->describe() << "\n";
        printVerdict(c.audit);
        for (const auto& w : c.warnings)
            o << "  warning          " << w << "\n";
    }

    static void printVerdict(const safety::Audit& a)
    {
        auto& o = std::cout;
        std::size_t unsafe = 0, unknown = 0;
        for (const auto& g : a.globals) {
            if (g.verdict == pickle::Verdict::Unsafe) ++unsafe;
            if (g.verdict == pickle::Verdict::Unknown) ++unknown;
        }
        o << "  verdict          " << a.summary << "\n";
        o << "  globals          " << a.globals.size() << " (" << unsafe << " unsafe, " << unknown << " unknown)\n";
        for (const auto& g : a.globals)
            if (g.verdict != pickle::Verdict::Safe)
                o << "    " << pickle::verdictName(g.verdict) << "  " << g.module << "." << g.name
                  << (g.reason.empty() ? "" : " — " + g.reason) << (g.where.empty() ? "" : "  [" + g.where + "]") << "\n";
        for (const auto& f : a.findings)
            o << "    " << safety::verdictName(f.level) << "  " << f.what << "\n";
    }

    std::vector<std::string> m_files;
    RemoteArgs m_remote;
    bool m_json = false;
};

} // namespace

std::unique_ptr<Command> makeInspectCommand() { return std::make_unique<InspectCommand>(); }

} // namespace podium::cli
