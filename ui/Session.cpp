// SPDX-License-Identifier: GPL-3.0-or-later
#include "Session.h"

#include <sys/resource.h>
#include <unistd.h>

#include "index/ScanIndex.h"
#include "remote/RemoteScan.h"
#include "remote/ScratchFolder.h"
#include "rename/RenameJournal.h"
#include "metrics/MetricLog.h"

#include <QFileSystemWatcher>
#include <QMetaObject>
#include <QPointer>
#include <QSet>
#include <QTimer>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>

namespace podium::ui {

struct Session::IndexHolder {
    std::unique_ptr<index::ScanIndex> index;
    bool tried = false;
    index::ScanIndex* get()
    {
        if (!tried) {
            tried = true;
            if (!std::getenv("PODIUM_NO_INDEX"))
                if (auto opened = index::ScanIndex::open(index::ScanIndex::defaultPath()))
                    index = std::move(*opened);
        }
        return index.get();
    }
};

const metrics::MetricLog& FolderState::logsOfRun(std::size_t r) const
{
    static const metrics::MetricLog kNone;
    if (runs.runs.size() <= 1)
        return logs;
    if (r >= runs.runs.size())
        return kNone;
    std::lock_guard lock(m_logCache->mutex);
    auto& slot = m_logCache->byRun[r];
    if (!slot)
        slot = std::make_unique<metrics::MetricLog>(metrics::loadMetricLog(runs.logsOf(runs.runs[r])));
    return *slot;
}

int FolderState::runOfGroup(std::size_t g) const
{
    return g < ranking.groups.size() ? runs.runOf(ranking.groups[g].directory) : -1;
}

namespace {

using Clock = std::chrono::steady_clock;

/// Ranks what the scan found and adds what the window needs beside the ranking (pin, interrupted renames).
/// A remote location (`localRoot` set): runs and logs are read from the local copy of its small files, and
/// what lives beside checkpoints on disk only (rename history, pin, journals) is not looked for.
std::shared_ptr<FolderState> makeState(const std::string& folder, ranking::ScanResult scan, bool complete,
                                       const std::string& logsDir = {}, runs::FactCache* facts = nullptr,
                                       const std::string& localRoot = {})
{
    auto state = std::make_shared<FolderState>();
    state->folder = QString::fromStdString(folder);
    state->complete = complete;
    state->remote = !localRoot.empty() || remote::isRemoteUrl(folder);
    if (!state->remote)
        if (auto renamed = rename::renameMapForScan(scan))
            state->renamed = std::move(*renamed);
    ranking::RankConfig rc;
    rc.renamed = &state->renamed;
    state->ranking = ranking::rank(scan, rc);
    if (complete) {
        // the runs of the tree, each with its own logs (never one curve through several runs' files)
        const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        const std::string local = localRoot.empty() ? folder : localRoot;
        scan.folder = local; // a remote tree: its listing, and the copies of its small files
        state->runs = runs::discoverRuns(local, scan, now, localRoot.empty() ? facts : nullptr);
        scan.folder = folder;
        state->runs.folder = folder;
        const bool tree = state->runs.runs.size() > 1;
        if (!logsDir.empty())
            state->logs = metrics::loadMetricLog(metrics::findLogsUnder(logsDir));
        else if (!tree)
            state->logs = metrics::loadMetricLog(state->runs.runs.size() == 1 && !state->runs.runs[0].logDirs.empty()
                                                     ? state->runs.logsOf(state->runs.runs[0])
                                                     : metrics::discoverLogs(local));
        if (ranking::wantsMetricLogs(state->ranking)) { // weights-only files: scores from the run's logs
            std::map<int, ranking::MetricTable> tables;
            rc.metricsFor = [&](const std::string& dir) -> const ranking::MetricTable* {
                const int i = tree ? state->runs.runOf(dir) : 0;
                auto [it, fresh] = tables.try_emplace(i);
                if (fresh && i >= 0)
                    it->second = metrics::valuesByStep(state->logsOfRun(static_cast<std::size_t>(i)));
                return &it->second;
            };
            state->ranking = ranking::rank(scan, rc);
            rc.metricsFor = nullptr;
        }
        runs::assignRuns(state->ranking, state->runs);
        if (tree) {
            state->leaderboard = runs::leaderboard(state->runs, state->ranking, "", 1000);
            // the chart of the leaderboard shows the runs of its top 10: read their logs here
            for (const auto& e : state->leaderboard.entries)
                if (e.rank <= 10)
                    if (const int r = state->runs.runOf(e.run); r >= 0)
                        (void)state->logsOfRun(static_cast<std::size_t>(r));
        }
        if (!state->remote) {
            if (auto pin = manifest::findPin(scan)) {
                state->pin = pin->first;
                state->pinDir = pin->second;
            }
            std::set<std::string> dirs{folder};
            for (const auto& f : scan.files)
                dirs.insert(std::filesystem::path(f.path).parent_path().string());
            for (const auto& d : dirs)
                if (auto j = rename::readInterrupted(d); j && *j)
                    state->interrupted.push_back(d);
        }
    }
    state->scan = std::move(scan);
    return state;
}

} // namespace

Session::Session(QObject* parent)
    : QObject(parent), m_scanner(std::make_shared<ranking::FolderScanner>()), m_debounce(new QTimer(this))
{
    qRegisterMetaType<std::shared_ptr<const FolderState>>();
    m_debounce->setSingleShot(true);
    connect(m_debounce, &QTimer::timeout, this, [this] {
        if (m_busy)
            m_debounce->start(); // one load at a time: try again after this one
        else
            reload();
    });
    connect(this, &Session::loaded, this, [this](std::shared_ptr<const FolderState> s) {
        if (!m_watcher)
            return;
        // soon, in an event of its own (a thousand directories take ~30 ms to watch), but before the window
        // settles (its last step comes later): a file written before the watch is in place would go unseen
        QTimer::singleShot(1, this, &Session::watch);
        // A file that could not be read and was modified in the last minute is most likely still being
        // written by the training: look again shortly (a few times), without waiting for the watcher.
        const auto now = std::chrono::system_clock::now().time_since_epoch();
        bool writing = false;
        for (const auto& f : s->scan.files)
            if (f.error && now - std::chrono::nanoseconds(f.identity.mtimeNs) < std::chrono::seconds(60))
                writing = true;
        if (writing && m_retries < 5) {
            ++m_retries;
            m_debounce->start(2000);
        } else if (!writing) {
            m_retries = 0;
        }
    });
}

Session::~Session()
{
    cancel();
    join();
}

void Session::join()
{
    if (m_worker.joinable())
        m_worker.join();
}

void Session::cancel()
{
    if (m_cancel)
        *m_cancel = true;
}

void Session::setWatching(bool on, int debounceMs)
{
    m_debounce->setInterval(debounceMs);
    if (!on) {
        delete m_watcher;
        m_watcher = nullptr;
        return;
    }
    if (!m_watcher) {
        m_watcher = new QFileSystemWatcher(this);
        auto changed = [this] { m_debounce->start(); };
        connect(m_watcher, &QFileSystemWatcher::directoryChanged, this, changed);
        connect(m_watcher, &QFileSystemWatcher::fileChanged, this, changed);
    }
    watch();
}

void Session::watch()
{
    if (!m_watcher || m_folder.isEmpty() || remote::isRemoteUrl(m_folder.toStdString())) // no change notes from a server
        return;
    // sets: a tree of 10,000 files in 1,000 directories made these list searches take most of a second
    QSet<QString> want{m_folder};
    if (m_state) {
        std::set<std::string> dirs;
        for (const auto& f : m_state->scan.files) {
            const auto slash = f.path.rfind('/');
            dirs.insert(slash == std::string::npos ? std::string(".") : f.path.substr(0, slash));
            if (f.error) // a file being written: its own changes matter
                want.insert(QString::fromStdString(f.path));
        }
        for (const auto& d : dirs)
            want.insert(QString::fromStdString(d));
    }
    const QStringList haveList = m_watcher->directories() + m_watcher->files();
    const QSet<QString> have(haveList.begin(), haveList.end());
    QStringList gone;
    for (const auto& p : have)
        if (!want.contains(p)) gone << p;
    m_toWatch.clear();
    if (!have.contains(m_folder))
        m_toWatch << m_folder; // the folder first: a new run's directory shows up there
    for (const auto& p : want)
        if (!have.contains(p) && p != m_folder) m_toWatch << p;
    if (!gone.isEmpty())
        m_watcher->removePaths(gone);
    watchMore();
}

void Session::watchMore()
{
    constexpr qsizetype kWatchChunk = 200;
    if (!m_watcher || m_toWatch.isEmpty())
        return;
    const QStringList chunk = m_toWatch.mid(0, kWatchChunk); // none is watched yet: watch() left those out
    m_toWatch.remove(0, chunk.size());
    m_watcher->addPaths(chunk);
    if (!m_toWatch.isEmpty()) // the rest in later events: the window stays responsive meanwhile
        QTimer::singleShot(1, this, &Session::watchMore);
}

void Session::setLogsFolder(const QString& dir)
{
    m_logsDir = dir;
    reload();
}

void Session::open(const QString& folder)
{
    if (folder != m_folder) {
        m_scanner = std::make_shared<ranking::FolderScanner>(); // a new folder starts with an empty cache
        m_state.reset();
        m_retries = 0;
        m_logsDir.clear();
    }
    m_folder = folder;
    start();
}

void Session::reload()
{
    if (!m_folder.isEmpty())
        start();
}

void Session::start()
{
    cancel();
    join();
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_busy = true;
    const unsigned generation = ++m_generation;
    const bool showPartial = !m_state; // a reload keeps the old table until the new one is complete
    QPointer<Session> self(this);
    auto cancelFlag = m_cancel;
    auto scanner = m_scanner;
    if (!m_index)
        m_index = std::make_shared<IndexHolder>();
    auto indexHolder = m_index;
    const std::string folder = m_folder.toStdString();
    const std::string logsDir = m_logsDir.toStdString();
    m_worker = std::thread([self, cancelFlag, scanner, indexHolder, folder, logsDir, generation, showPartial] {
        // below the UI thread: on two cores the scan's threads (which inherit this) would otherwise take the
        // core the window needs to stay responsive
        (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 5);
        std::vector<ranking::ScannedFile> sofar;
        // the first rows as soon as files come in (the walk of a large tree takes a while), then every 250 ms
        auto lastPartial = Clock::now() - std::chrono::milliseconds(250);
        ranking::ScanOptions so;
        so.cache = indexHolder->get();
        auto lastProgress = Clock::now() - std::chrono::seconds(1);
        so.progress = [&](std::size_t done, std::size_t total) {
            // at most every 40 ms (and the last): a queued event per file floods the UI thread on a large tree
            if (done == total || Clock::now() - lastProgress >= std::chrono::milliseconds(40)) {
                lastProgress = Clock::now();
                QMetaObject::invokeMethod(self, [self, done, total] {
                    if (self) emit self->progress(static_cast<int>(done), static_cast<int>(total));
                }, Qt::QueuedConnection);
            }
            return !*cancelFlag;
        };
        if (showPartial)
            so.fileRead = [&](const ranking::ScannedFile& f) {
                sofar.push_back(f);
                if (Clock::now() - lastPartial < std::chrono::milliseconds(250))
                    return;
                lastPartial = Clock::now();
                ranking::ScanResult part;
                part.folder = folder;
                part.files = sofar;
                std::sort(part.files.begin(), part.files.end(), [](const auto& a, const auto& b) { return a.relPath < b.relPath; });
                std::shared_ptr<const FolderState> state = makeState(folder, std::move(part), false);
                QMetaObject::invokeMethod(self, [self, state, generation] {
                    if (self && generation == self->m_generation) emit self->partial(state);
                }, Qt::QueuedConnection);
            };
        Result<ranking::ScanResult> scan = ranking::ScanResult{};
        std::string localRoot;
        if (remote::isRemoteUrl(folder)) {
            // a remote location: listed and read by ranges; its small log files copied to a scratch folder
            auto store = remote::RemoteStore::open(folder);
            if (!store) {
                scan = std::move(store).error();
            } else {
                remote::RemoteScanOptions ro;
                ro.progress = so.progress;
                ro.fileRead = so.fileRead;
                auto rs = remote::scanRemote(**store, ro);
                if (rs && rs->scan.files.empty() && folder.starts_with("s3://")) {
                    ro.recursive = true;
                    rs = remote::scanRemote(**store, ro);
                }
                if (!rs) {
                    scan = std::move(rs).error();
                } else {
                    if (auto scratch = remote::makeScratchFolder()) {
                        localRoot = *scratch;
                        (void)remote::mirrorTreeFiles(**store, *rs, localRoot); // logs missing: curves missing, ranks kept
                    }
                    scan = std::move(rs->scan);
                }
            }
        } else {
            scan = scanner->scan(folder, so);
            if (scan && scan->files.empty()) { // Lightning keeps checkpoints in sub-folders
                so.recursive = true;
                scan = scanner->scan(folder, so);
            }
        }
        if (*cancelFlag) {
            QMetaObject::invokeMethod(self, [self, generation] {
                if (!self || generation != self->m_generation) return;
                self->m_busy = false;
                emit self->failed(tr("Loading cancelled."));
            }, Qt::QueuedConnection);
            return;
        }
        if (!scan) {
            const QString msg = QString::fromStdString(scan.error().message());
            QMetaObject::invokeMethod(self, [self, msg, generation] {
                if (!self || generation != self->m_generation) return;
                self->m_busy = false;
                emit self->failed(msg);
            }, Qt::QueuedConnection);
            return;
        }
        std::shared_ptr<const FolderState> done = makeState(folder, std::move(*scan), true, logsDir, indexHolder->get(), localRoot);
        QMetaObject::invokeMethod(self, [self, done, generation] {
            if (!self || generation != self->m_generation) return;
            self->m_state = done;
            self->m_busy = false;
            emit self->loaded(done);
        }, Qt::QueuedConnection);
    });
}

} // namespace podium::ui
