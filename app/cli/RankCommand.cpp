// SPDX-License-Identifier: GPL-3.0-or-later
// podium-cli rank DIR [--recursive] [--monitor NAME] [--mode min|max] [--json]
// podium-cli path DIR --rank N [--monitor NAME]
#include "cli/Command.h"

#include "cli/Folder.h"
#include "metrics/MetricLog.h"
#include "rename/RenameJournal.h"

#include <set>

#include <filesystem>
#include <iostream>

namespace podium::cli {

namespace {

std::string modeText(const ranking::Group& g)
{
    std::string src = g.modeSource == "state_key"          ? "from the state key"
                      : g.modeSource == "kth_value"        ? "from kth_value"
                      : g.modeSource == "best_model_score" ? "from best_model_score"
                      : g.modeSource == "guessed"          ? "GUESSED from the name; use --mode to set it"
                      : g.modeSource == "user"             ? "set by --mode"
                                                           : g.modeSource;
    return std::string(checkpoint::modeName(g.mode)) + ", " + src;
}

class RankCommand : public Command {
public:
    void setup(CLI::App& app) override
    {
        sub = app.add_subcommand("rank", "Rank the checkpoints of a folder per monitored metric (best first)");
        m_args.add(sub);
        sub->add_flag("--json", m_json, "JSON output");
    }

    int run() override
    {
        auto r = m_args.run();
        if (!r) {
            std::cerr << "error: " << r.error().message() << '\n';
            return Failed;
        }
        reportInterrupted(r->scan.folder, std::cerr);
        const ranking::Ranking& rk = r->ranking;
        if (m_json) {
            printJson(std::cout, ranking::toJson(rk));
        } else {
            if (rk.groups.empty())
                std::cout << (m_args.monitor.empty() ? "No ModelCheckpoint state and no scores in file names found in "
                                                     : "No checkpoint group monitors '" + m_args.monitor + "' in ")
                          << rk.folder << "\n";
            for (const auto& g : rk.groups) {
                std::cout << (g.directory.empty() ? std::string(".") : g.directory) + "/  " << g.monitor << " ("
                          << modeText(g) << ")  " << g.ranked.size() << " ranked\n";
                std::vector<std::vector<std::string>> rows;
                for (const auto& e : g.ranked)
                    rows.push_back({std::to_string(e.rank), e.file, formatScore(e.score, 7),
                                    e.epoch ? std::to_string(*e.epoch) : "-", e.globalStep ? std::to_string(*e.globalStep) : "-",
                                    e.scoreSource});
                std::cout << formatTable({"rank", "file", g.monitor.empty() ? "score" : g.monitor, "epoch", "step", "source"}, rows);
                for (const auto& u : g.unranked)
                    std::cout << "  unranked  " << u.file << " — " << u.reason << "\n";
                for (const auto& p : g.problems)
                    std::cout << "  problem   " << p << "\n";
                std::cout << "\n";
            }
            for (const auto& e : rk.errors)
                std::cout << "error: " << e.error.message() << "\n";
        }
        const int status = rk.errors.empty() ? Ok : Failed;
        keepUntilExit(std::move(*r));
        return status;
    }

private:
    FolderArgs m_args;
    bool m_json = false;
};

class PathCommand : public Command {
public:
    void setup(CLI::App& app) override
    {
        sub = app.add_subcommand("path", "Print the path of the Nth best checkpoint (1 = best), nothing else");
        m_args.add(sub);
        sub->add_option("--rank", m_rank, "Which rank (1 = best)")->required()->check(CLI::PositiveNumber);
    }

    int run() override
    {
        auto r = m_args.run();
        if (!r) {
            std::cerr << "error: " << r.error().message() << '\n';
            return Failed;
        }
        reportInterrupted(r->scan.folder, std::cerr);
        const ranking::Ranking& rk = r->ranking;
        auto groups = rk.select(m_args.monitor);
        if (groups.empty()) {
            std::cerr << "error: no ranked checkpoints" << (m_args.monitor.empty() ? "" : " for '" + m_args.monitor + "'")
                      << " in " << rk.folder << "\n";
            return Failed;
        }
        if (groups.size() > 1) {
            std::cerr << "error: " << groups.size() << " checkpoint groups in " << rk.folder << "; choose one with --monitor:";
            for (const auto* g : groups)
                std::cerr << " " << g->monitor;
            std::cerr << "\n";
            return Failed;
        }
        const auto& g = *groups.front();
        if (m_rank > static_cast<int>(g.ranked.size())) {
            std::cerr << "error: there is no rank " << m_rank << ": " << g.monitor << " has " << g.ranked.size()
                      << " ranked checkpoint" << (g.ranked.size() == 1 ? "" : "s") << " in " << rk.folder << "\n";
            return Failed;
        }
        std::cout << (std::filesystem::path(rk.folder) / g.ranked[static_cast<std::size_t>(m_rank - 1)].file).lexically_normal().string()
                  << "\n";
        keepUntilExit(std::move(*r));
        return Ok;
    }

private:
    FolderArgs m_args;
    int m_rank = 1;
};

} // namespace

void keepUntilExit(FolderResult&& r)
{
    static auto* kept = new std::vector<std::unique_ptr<FolderResult>>();
    kept->push_back(std::make_unique<FolderResult>(std::move(r)));
}

void FolderArgs::add(CLI::App* sub)
{
    sub->add_option("folder", folder, "Checkpoint folder")->required()->check(CLI::ExistingDirectory);
    sub->add_flag("-r,--recursive", recursive, "Also look in sub-folders (checkpoints/, per-callback dirs)");
    sub->add_option("--monitor", monitor, "Only the ModelCheckpoint that monitors NAME (also names the metric "
                                          "for weights-only files)");
    sub->add_option("--mode", mode, "Override the mode (min or max)")->check(CLI::IsMember({"min", "max"}));
}

Result<FolderResult> FolderArgs::run() const
{
    ranking::FolderScanner scanner;
    ranking::ScanOptions so;
    // Lightning's layout puts checkpoints in sub-folders: a folder with no checkpoint of its own is
    // searched recursively without being asked.
    so.recursive = recursive;
    so.remember = false; // one scan per run
    so.read.detail = checkpoint::Detail::Ranking; // rank, path, rename and pin read nothing else
    auto scan = scanner.scan(folder, so);
    if (scan && !recursive && scan->files.empty()) {
        so.recursive = true;
        scan = scanner.scan(folder, so);
    }
    if (!scan)
        return std::move(scan).error();
    ranking::RankConfig rc;
    rc.monitor = monitor;
    if (mode == "min") rc.mode = checkpoint::Mode::Min;
    if (mode == "max") rc.mode = checkpoint::Mode::Max;
    FolderResult out;
    // Podium's own renames, so the embedded names still find their files.
    auto renamed = rename::renameMapForScan(*scan);
    if (!renamed)
        return std::move(renamed).error();
    out.renamed = std::move(*renamed);
    rc.renamed = &out.renamed;
    out.ranking = ranking::rank(*scan, rc);
    if (ranking::wantsMetricLogs(out.ranking)) { // weights-only files: scores from the run's metrics.csv
        const auto table = metrics::valuesByStep(metrics::loadMetricLog(metrics::discoverLogs(folder)));
        rc.metrics = &table;
        out.ranking = ranking::rank(*scan, rc);
    }
    out.scan = std::move(*scan);
    return out;
}

std::unique_ptr<Command> makeRankCommand() { return std::make_unique<RankCommand>(); }
std::unique_ptr<Command> makePathCommand() { return std::make_unique<PathCommand>(); }

} // namespace podium::cli
