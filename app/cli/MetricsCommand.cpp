// SPDX-License-Identifier: GPL-3.0-or-later
// podium-cli metrics DIR [--logs LOGDIR] [--json|--csv] [--metric NAME]...
#include "cli/Command.h"
#include "cli/RemoteArgs.h"
#include "remote/RemoteScan.h"
#include "remote/ScratchFolder.h"

#include "metrics/MetricLog.h"

#include <cmath>
#include <iostream>

namespace podium::cli {

namespace {

class MetricsCommand : public Command {
public:
    void setup(CLI::App& app) override
    {
        sub = app.add_subcommand("metrics", "List the metrics logged by the run (metrics.csv, TensorBoard event files) "
                                            "found from a checkpoint folder");
        sub->add_option("folder", m_folder, "Checkpoint folder (its logs are looked for in it, its parent and grandparent), "
                                            "or a location (s3://bucket/prefix: the logs under it)")
            ->required()->check(existingOrRemote(true));
        m_remote.add(sub);
        sub->add_option("--logs", m_logs, "Read the logs under this folder instead of looking for them")->check(CLI::ExistingDirectory);
        sub->add_option("--metric", m_metrics, "Only this metric (repeatable)");
        auto* json = sub->add_flag("--json", m_json, "Every point as JSON");
        sub->add_flag("--csv", m_csv, "Every point as CSV (name,kind,step,epoch,wall_time,value)")->excludes(json);
    }

    int run() override
    {
        std::string scratch, shownAs;
        if (remote::isRemoteUrl(m_folder)) { // the logs under the prefix, copied to a scratch folder and read there
            auto store = m_remote.store(m_folder);
            auto dir = store ? remote::makeScratchFolder() : Result<std::string>(store.error());
            if (!dir) {
                std::cerr << "error: " << dir.error().message() << '\n';
                return Failed;
            }
            if (auto st = remote::mirrorLogs(**store, *dir); !st) {
                std::cerr << "error: " << st.error().message() << '\n';
                return Failed;
            }
            scratch = *dir;
            shownAs = (*store)->location();
        }
        auto sources = !scratch.empty() ? metrics::findLogsUnder(scratch)
                       : m_logs.empty() ? metrics::discoverLogs(m_folder) : metrics::findLogsUnder(m_logs);
        auto log = metrics::loadMetricLog(std::move(sources));
        if (!scratch.empty() && !m_json && !m_csv) // name them where they live
            for (auto& src : log.sources)
                if (src.path.starts_with(scratch))
                    src.path = shownAs + src.path.substr(scratch.size());
        if (!m_metrics.empty())
            std::erase_if(log.series, [&](const metrics::Series& s) {
                return std::find(m_metrics.begin(), m_metrics.end(), s.name) == m_metrics.end();
            });
        for (const auto& e : log.problems)
            std::cerr << "warning: " << e.message() << '\n';
        if (m_json) {
            printJson(std::cout, metrics::toJson(log, scratch.empty() ? m_folder : scratch)); // sources relative to the location
        } else if (m_csv) {
            std::cout << metrics::toCsv(log);
        } else if (log.sources.empty()) {
            std::cout << "No metrics.csv or TensorBoard event files found in " << m_folder
                      << ", its parent or grandparent (use --logs DIR to name the log folder).\n";
        } else {
            std::vector<std::vector<std::string>> rows;
            for (const auto& s : log.series) {
                double lo = INFINITY, hi = -INFINITY;
                std::optional<std::int64_t> first, last;
                for (const auto& p : s.points) {
                    if (std::isfinite(p.value)) lo = std::min(lo, p.value), hi = std::max(hi, p.value);
                    if (p.step) { if (!first) first = p.step; last = p.step; }
                }
                rows.push_back({s.name, metrics::kindName(s.kind), std::to_string(s.points.size()),
                                first ? std::to_string(*first) + "–" + std::to_string(*last) : "–",
                                std::isfinite(lo) ? formatScore(lo) : "–", std::isfinite(hi) ? formatScore(hi) : "–",
                                s.points.empty() ? "–" : formatScore(s.points.back().value)});
            }
            std::cout << "Logs:\n";
            for (const auto& s : log.sources)
                std::cout << "  " << metrics::kindName(s.kind) << "  " << s.path << '\n';
            std::cout << '\n' << formatTable({"metric", "kind", "points", "steps", "min", "max", "last"}, rows);
        }
        if (log.sources.empty() && (m_json || m_csv))
            return Ok; // nothing found is an answer, not a failure
        return log.problems.empty() ? Ok : Failed;
    }

private:
    std::string m_folder, m_logs;
    RemoteArgs m_remote;
    std::vector<std::string> m_metrics;
    bool m_json = false, m_csv = false;
};

} // namespace

std::unique_ptr<Command> makeMetricsCommand() { return std::make_unique<MetricsCommand>(); }

} // namespace podium::cli
