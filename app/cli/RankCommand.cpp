// SPDX-License-Identifier: GPL-3.0-or-later
// podium-cli rank DIR [--recursive] [--monitor NAME] [--mode min|max] [--json] [--across [--top N]]
// podium-cli path DIR --rank N [--monitor NAME] [--across]
// podium-cli runs DIR [--json]
#include "cli/Command.h"

#include "cli/Folder.h"
#include "index/ScanIndex.h"
#include "metrics/MetricLog.h"
#include "remote/RemoteScan.h"
#include "remote/ScratchFolder.h"
#include "rename/RenameJournal.h"
#include "runs/RunGroups.h"

#include <set>

#include <chrono>
#include <cstdlib>
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
        sub->add_flag("--across", m_across, "The leaderboard of the whole tree: the best checkpoints across runs for one "
                                            "monitor and mode (--monitor; default the one most runs monitor)");
        sub->add_option("--top", m_top, "With --across: how many (default 10, 0 = all)");
    }

    int run() override
    {
        auto r = m_args.run();
        if (!r) {
            std::cerr << "error: " << r.error().message() << '\n';
            return Failed;
        }
        reportInterrupted(r->scan.folder, std::cerr, &r->scan);
        const ranking::Ranking& rk = r->ranking;
        if (m_across) {
            const auto board = runs::leaderboard(r->runs, rk, m_args.monitor, m_top);
            if (m_json) {
                printJson(std::cout, runs::toJson(board, rk.folder));
            } else {
                std::cout << "best across " << r->runs.runs.size() << " run" << (r->runs.runs.size() == 1 ? "" : "s") << ": "
                          << (board.monitor.empty() ? "(no monitor)" : board.monitor) << " ("
                          << checkpoint::modeName(board.mode) << ")\n";
                std::vector<std::vector<std::string>> rows;
                for (const auto& e : board.entries)
                    rows.push_back({std::to_string(e.rank), e.runName.empty() ? "." : e.runName, e.file, formatScore(e.score, 7),
                                    e.epoch ? std::to_string(*e.epoch) : "-", e.globalStep ? std::to_string(*e.globalStep) : "-"});
                std::cout << formatTable({"rank", "run", "file", board.monitor.empty() ? "score" : board.monitor, "epoch", "step"}, rows);
                for (const auto& n : board.runsWithoutMonitor)
                    std::cout << "  without " << board.monitor << ": " << n << "\n";
            }
            const int status = rk.errors.empty() ? Ok : Failed;
            keepUntilExit(std::move(*r));
            return status;
        }
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
            for (const auto& u : rk.unranked)
                std::cout << "unranked  " << u.file << " — " << u.reason << "\n";
            std::size_t suspicious = 0, unsafe = 0;
            for (const auto& f : r->scan.files) {
                suspicious += f.verdict == safety::Verdict::Suspicious;
                unsafe += f.verdict == safety::Verdict::Unsafe;
            }
            if (suspicious || unsafe) // ranked all the same: Podium never loads them (podium-cli audit says why)
                std::cout << "safety: " << unsafe << " unsafe and " << suspicious << " suspicious file"
                          << (suspicious + unsafe == 1 ? "" : "s") << " (never loaded; see podium-cli audit " << rk.folder << ")\n";
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
    bool m_across = false;
    std::size_t m_top = 10;
};

class PathCommand : public Command {
public:
    void setup(CLI::App& app) override
    {
        sub = app.add_subcommand("path", "Print the path of the Nth best checkpoint (1 = best), nothing else");
        m_args.add(sub);
        sub->add_option("--rank", m_rank, "Which rank (1 = best)")->required()->check(CLI::PositiveNumber);
        sub->add_flag("--across", m_across, "The Nth best of the whole tree, across runs (see rank --across)");
    }

    int run() override
    {
        auto r = m_args.run();
        if (!r) {
            std::cerr << "error: " << r.error().message() << '\n';
            return Failed;
        }
        reportInterrupted(r->scan.folder, std::cerr, &r->scan);
        const ranking::Ranking& rk = r->ranking;
        if (m_across) {
            const auto board = runs::leaderboard(r->runs, rk, m_args.monitor, 0);
            if (m_rank > static_cast<int>(board.entries.size())) {
                std::cerr << "error: there is no rank " << m_rank << " across the runs of " << rk.folder << ": "
                          << (board.monitor.empty() ? "nothing" : board.monitor) << " has " << board.entries.size()
                          << " ranked checkpoint" << (board.entries.size() == 1 ? "" : "s") << "\n";
                return Failed;
            }
            std::cout << m_args.pathOf(rk.folder, board.entries[static_cast<std::size_t>(m_rank - 1)].file) << "\n";
            keepUntilExit(std::move(*r));
            return Ok;
        }
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
        std::cout << m_args.pathOf(rk.folder, g.ranked[static_cast<std::size_t>(m_rank - 1)].file) << "\n";
        keepUntilExit(std::move(*r));
        return Ok;
    }

private:
    FolderArgs m_args;
    int m_rank = 1;
    bool m_across = false;
};

class RunsCommand : public Command {
public:
    void setup(CLI::App& app) override
    {
        sub = app.add_subcommand("runs", "The training runs of an experiment tree (log versions, Hydra jobs, resumed "
                                         "runs joined), their parameters, the ones that differ, and each run's best");
        m_args.add(sub);
        sub->add_flag("--json", m_json, "JSON output");
        sub->add_option("--group-by", m_groupBy, "Group the runs by this parameter (a sweep's lr, each seed a repetition): "
                                                 "mean ± std of each group's best score of the monitor");
    }

    /// `--group-by`: {"param", "monitor", "mode", "groups": [{"value", "runs", "n", "best_mean", "best_std", "bests"}]}
    nlohmann::json groupsJson(const FolderResult& r) const
    {
        const std::string monitor = runs::leaderboard(r.runs, r.ranking, m_args.monitor, 1).monitor;
        const auto groups = runs::groupRunsBy(r.runs, r.ranking, m_groupBy, monitor);
        nlohmann::json arr = nlohmann::json::array();
        std::string mode;
        for (const auto& g : groups) {
            nlohmann::json names = nlohmann::json::array();
            for (auto i : g.runs)
                names.push_back(r.runs.runs[i].name);
            if (g.mode != checkpoint::Mode::Unknown)
                mode = g.mode == checkpoint::Mode::Min ? "min" : "max";
            arr.push_back({{"value", g.value.empty() ? nlohmann::json(nullptr) : nlohmann::json(g.value)}, {"runs", names},
                           {"n", g.bests.size()}, {"bests", g.bests},
                           {"best_mean", g.mean ? nlohmann::json(*g.mean) : nlohmann::json(nullptr)},
                           {"best_std", g.stddev ? nlohmann::json(*g.stddev) : nlohmann::json(nullptr)}});
        }
        return {{"param", m_groupBy}, {"monitor", monitor}, {"mode", mode.empty() ? nlohmann::json(nullptr) : nlohmann::json(mode)},
                {"groups", arr}};
    }

    int run() override
    {
        FolderArgs args = m_args;
        args.recursive = true; // a tree
        auto r = args.run(true);
        if (!r) {
            std::cerr << "error: " << r.error().message() << '\n';
            return Failed;
        }
        std::vector<metrics::MetricLog> logs;
        for (const auto& run : r->runs.runs)
            logs.push_back(metrics::loadMetricLog(r->runs.logsOf(run)));
        if (m_json) {
            auto j = runs::toJson(r->runs, r->ranking, logs);
            if (!m_groupBy.empty())
                j["grouped_by"] = groupsJson(*r);
            printJson(std::cout, j);
            return Ok;
        }
        std::cout << r->runs.runs.size() << " run" << (r->runs.runs.size() == 1 ? "" : "s") << " in " << r->runs.folder;
        if (!r->runs.differs.empty()) {
            std::cout << "; they differ in";
            for (const auto& k : r->runs.differs)
                std::cout << " " << k;
        }
        std::cout << "\n";
        std::vector<std::vector<std::string>> rows;
        const auto groupsOfRun = runs::groupsByRun(r->runs, r->ranking);
        for (std::size_t i = 0; i < r->runs.runs.size(); ++i) {
            const auto& run = r->runs.runs[i];
            std::string params;
            for (const auto& k : r->runs.differs)
                if (auto it = run.params.find(k); it != run.params.end() && run.overrides.empty())
                    params += (params.empty() ? "" : " ") + k + "=" + it->second;
            std::string best, file;
            for (const auto& b : runs::bestOf(run, r->ranking, logs[i], &groupsOfRun[i])) {
                best += (best.empty() ? "" : ", ") + b.monitor + " " + formatScore(b.bestScore, 6);
                if (file.empty())
                    file = b.bestFile;
            }
            rows.push_back({run.name + (params.empty() ? "" : " " + params), best.empty() ? "-" : best, file.empty() ? "-" : file,
                            run.epochs ? std::to_string(*run.epochs) : "-", run.steps ? std::to_string(*run.steps) : "-",
                            run.resumedFrom.empty() ? (run.derivedFrom.empty() ? "" : "from " + run.derivedFrom)
                                                    : "resumed from " + run.resumedFrom,
                            run.active ? "active" : "idle"});
        }
        std::cout << formatTable({"run", "best", "best checkpoint", "epochs", "steps", "history", "status"}, rows);
        if (!m_groupBy.empty()) {
            const auto g = groupsJson(*r);
            std::cout << "\nGrouped by " << m_groupBy << " (best " << g["monitor"].get<std::string>() << ", mean ± sample std):\n";
            std::vector<std::vector<std::string>> grows;
            for (const auto& grp : runs::groupRunsBy(r->runs, r->ranking, m_groupBy, g["monitor"].get<std::string>()))
                grows.push_back({grp.value.empty() ? "(none)" : m_groupBy + "=" + grp.value, std::to_string(grp.runs.size()),
                                 runs::describeGroupBest(grp)});
            std::cout << formatTable({"group", "runs", "best"}, grows);
        }
        for (const auto& p : r->runs.problems)
            std::cout << "problem: " << p << "\n";
        return Ok;
    }

private:
    FolderArgs m_args;
    bool m_json = false;
    std::string m_groupBy;
};

} // namespace

void keepUntilExit(FolderResult&& r)
{
    static auto* kept = new std::vector<std::unique_ptr<FolderResult>>();
    kept->push_back(std::make_unique<FolderResult>(std::move(r)));
}

void FolderArgs::add(CLI::App* sub)
{
    sub->add_option("folder", folder, "Checkpoint folder, or a remote location (s3://BUCKET/PREFIX, an https:// URL)")
        ->required()
        ->check(existingOrRemote(true));
    sub->add_flag("-r,--recursive", recursive, "Also look in sub-folders (checkpoints/, per-callback dirs)");
    sub->add_option("--monitor", monitor, "Only the ModelCheckpoint that monitors NAME (also names the metric "
                                          "for weights-only files)");
    sub->add_option("--mode", mode, "Override the mode (min or max)")->check(CLI::IsMember({"min", "max"}));
    sub->add_flag("--no-index", noIndex, "Read every checkpoint: neither use nor update the scan index "
                                         "($PODIUM_INDEX, default ~/.cache/podium/scan-index.sqlite3)");
    remote.add(sub);
}

bool FolderArgs::isRemote() const
{
    return remote::isRemoteUrl(folder);
}

std::string FolderArgs::pathOf(const std::string& folderText, const std::string& file) const
{
    if (remote::isRemoteUrl(folderText))
        return folderText + "/" + file;
    return (std::filesystem::path(folderText) / file).lexically_normal().string();
}

/// Each run's own logs as tables by step (read once per run, kept in `out`): the exact scores for weights-only
/// files whose names round them. `logRoot` is where the tree's log files are (a remote tree: their copies).
static std::function<const ranking::MetricTable*(const std::string&)> metricsOfRuns(FolderResult& out, const std::string& logRoot)
{
    return [&out, logRoot](const std::string& dir) -> const ranking::MetricTable* {
        const int i = out.runs.runOf(dir);
        const runs::Run* r = i >= 0 ? &out.runs.runs[static_cast<std::size_t>(i)] : nullptr;
        const std::string key = r ? r->name : std::string("\x01") + dir;
        auto [it, fresh] = out.metricsByRun.try_emplace(key);
        if (fresh)
            it->second = metrics::valuesByStep(metrics::loadMetricLog(
                r && !r->logDirs.empty() ? out.runs.logsOf(*r) : metrics::discoverLogs(logRoot + "/" + dir)));
        return &it->second;
    };
}

ranking::RankConfig FolderArgs::rankConfig() const
{
    ranking::RankConfig rc;
    rc.monitor = monitor;
    if (mode == "min") rc.mode = checkpoint::Mode::Min;
    if (mode == "max") rc.mode = checkpoint::Mode::Max;
    return rc;
}

Result<FolderResult> FolderArgs::runRemote(bool full) const
{
    auto store = const_cast<RemoteArgs&>(remote).store(folder);
    if (!store)
        return std::move(store).error();
    remote::RemoteStore& rs = **store;
    remote::RemoteScanOptions ro;
    ro.recursive = recursive;
    ro.read.detail = full ? checkpoint::Detail::Full : checkpoint::Detail::Ranking;
    auto scanned = remote::scanRemote(rs, ro);
    if (scanned && !recursive && scanned->scan.files.empty() && folder.starts_with("s3://")) {
        ro.recursive = true; // as on disk: a prefix with no checkpoint of its own is searched below
        scanned = remote::scanRemote(rs, ro);
    }
    if (!scanned)
        return std::move(scanned).error();
    ranking::ScanResult& scan = scanned->scan;
    FolderResult out;
    out.remote = true;
    ranking::RankConfig rc = rankConfig();
    rc.renamed = &out.renamed;
    // Runs and metric logs read the tree's small files: a local copy of those (never of a checkpoint), and of
    // the rename histories Podium keeps in the bucket (so the embedded names still find their objects).
    auto scratch = remote::makeScratchFolder();
    if (!scratch)
        return std::move(scratch).error();
    if (auto st = remote::mirrorTreeFiles(rs, *scanned, *scratch); !st)
        std::cerr << "warning: " << st.error().message() << " (runs and metrics may miss it)\n";
    if (!ro.recursive)
        if (auto st = remote::mirrorHistories(rs, "", *scratch); !st)
            std::cerr << "warning: " << st.error().message() << " (names renamed by Podium may not be followed, "
                                                                  "a pin may go unreported)\n";
    const std::string url = scan.folder;
    scan.folder = *scratch; // discovery reads the copies; the listing is the same tree
    auto renamed = rename::renameMapForScan(scan);
    if (!renamed)
        return std::move(renamed).error();
    out.renamed = std::move(*renamed);
    scan.folder = url;
    out.ranking = ranking::rank(scan, rc);
    scan.folder = *scratch;
    out.runs = runs::discoverRuns(*scratch, scan, nowNs());
    scan.folder = url;
    if (ranking::wantsMetricLogs(out.ranking)) {
        rc.metricsFor = metricsOfRuns(out, *scratch);
        out.ranking = ranking::rank(scan, rc);
        rc.metricsFor = nullptr;
    }
    out.runs.folder = url;
    runs::assignRuns(out.ranking, out.runs);
    out.localMirror = *scratch;
    out.bytesFetched = rs.http().bodyBytes();
    out.requests = rs.http().requests();
    if (std::getenv("PODIUM_VERBOSE"))
        std::cerr << "note: " << rs.location() << ": " << out.requests << " requests, " << out.bytesFetched << " bytes of bodies, "
                  << rs.http().headerBytes() << " of headers, for " << out.scan.files.size() << " checkpoints\n";
    out.scan = std::move(scan);
    return out;
}

Result<FolderResult> FolderArgs::run(bool full) const
{
    if (isRemote())
        return runRemote(full);
    ranking::FolderScanner scanner;
    ranking::ScanOptions so;
    // The scan index answers for files unchanged since they were last read (a cache: when it cannot be
    // opened, everything is read).
    std::unique_ptr<index::ScanIndex> idx;
    if (!noIndex && !std::getenv("PODIUM_NO_INDEX")) {
        std::string note;
        if (auto opened = index::ScanIndex::open(index::ScanIndex::defaultPath(), &note))
            idx = std::move(*opened);
        if (!note.empty() && std::getenv("PODIUM_VERBOSE"))
            std::cerr << "note: scan index " << note << "\n";
    }
    so.cache = idx.get();
    // Lightning's layout puts checkpoints in sub-folders: a folder with no checkpoint of its own is
    // searched recursively without being asked.
    so.recursive = recursive;
    so.remember = false; // one scan per run
    so.read.detail = full ? checkpoint::Detail::Full : checkpoint::Detail::Ranking; // rank, path, rename, pin read nothing else
    auto scan = scanner.scan(folder, so);
    if (scan && !recursive && scan->files.empty()) {
        so.recursive = true;
        scan = scanner.scan(folder, so);
    }
    if (!scan)
        return std::move(scan).error();
    ranking::RankConfig rc = rankConfig();
    FolderResult out;
    // Podium's own renames, so the embedded names still find their files.
    auto renamed = rename::renameMapForScan(*scan);
    if (!renamed)
        return std::move(renamed).error();
    out.renamed = std::move(*renamed);
    rc.renamed = &out.renamed;
    out.ranking = ranking::rank(*scan, rc);
    out.runs = runs::discoverRuns(folder, *scan, nowNs(), idx.get());
    if (ranking::wantsMetricLogs(out.ranking)) { // scores from (rounded) names: the run's own logs make them exact
        rc.metricsFor = metricsOfRuns(out, folder);
        out.ranking = ranking::rank(*scan, rc);
        rc.metricsFor = nullptr;
    }
    runs::assignRuns(out.ranking, out.runs);
    out.scan = std::move(*scan);
    return out;
}

std::int64_t nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::unique_ptr<Command> makeRankCommand() { return std::make_unique<RankCommand>(); }
std::unique_ptr<Command> makePathCommand() { return std::make_unique<PathCommand>(); }
std::unique_ptr<Command> makeRunsCommand() { return std::make_unique<RunsCommand>(); }

} // namespace podium::cli
