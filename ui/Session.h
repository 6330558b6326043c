// SPDX-License-Identifier: GPL-3.0-or-later
// Session: loads a folder on a worker thread (scan + ranking, the same engine as podium-cli) and hands the
// result to the UI thread as one immutable FolderState. The window never waits for the disk.
#pragma once

#include "manifest/Manifest.h"
#include "metrics/MetricLog.h"
#include "ranking/Ranking.h"
#include "runs/RunTree.h"

#include <QObject>
#include <QString>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

class QFileSystemWatcher;
class QTimer;

namespace podium::index { class ScanIndex; }

namespace podium::ui {

/// Everything the window shows about one folder, computed off the UI thread.
struct FolderState {
    QString folder;
    ranking::ScanResult scan;
    ranking::Ranking ranking;
    std::map<std::string, std::string> renamed;
    std::optional<manifest::Pin> pin;   ///< the folder's pin, if any
    std::string pinDir;                 ///< absolute directory of the pin record
    metrics::MetricLog logs;            ///< the run's metrics.csv / TensorBoard logs, when found
    bool complete = true;               ///< false for the partial states shown while the first scan runs
    bool remote = false;                ///< an s3:// or http(s):// location: read-only in the window
    /// Absolute directories that hold an interrupted rename journal (the window offers Recover).
    std::vector<std::string> interrupted;
    /// The runs of the tree (one for a plain run folder) and the leaderboard across runs of the most
    /// common monitor.
    runs::RunTree runs;
    runs::Leaderboard leaderboard;
    /// Run `r`'s own logs (a plain run folder: `logs`). Read when first asked for and kept: the loading
    /// worker reads those of the runs the window shows first; another run's small log files are read when
    /// it is selected. Thread-safe.
    const metrics::MetricLog& logsOfRun(std::size_t r) const;
    /// The run index of group `g` of `ranking` (-1: none).
    int runOfGroup(std::size_t g) const;

private:
    struct LogCache {
        std::mutex mutex;
        std::map<std::size_t, std::unique_ptr<metrics::MetricLog>> byRun;
    };
    std::shared_ptr<LogCache> m_logCache = std::make_shared<LogCache>();
};

class Session : public QObject {
    Q_OBJECT
public:
    explicit Session(QObject* parent = nullptr);
    ~Session() override;

    /// Starts loading `folder` (a running load is cancelled). Emits progress(), then loaded() or failed().
    void open(const QString& folder);
    /// Loads the current folder again (only changed files are re-read).
    void reload();
    void cancel();
    /// Reads the run's logs from `dir` (and below) instead of looking for them; "" goes back to looking.
    void setLogsFolder(const QString& dir);
    QString logsFolder() const { return m_logsDir; }
    /// Watches the folder (and the directories of its checkpoints): a change reloads after `debounceMs`
    /// of quiet, so checkpoints written by a running training appear by themselves.
    void setWatching(bool on, int debounceMs = 800);
    /// True once every directory of the shown state is watched (a large tree's are added a chunk per event).
    bool watchingAll() const noexcept { return m_watcher && m_toWatch.isEmpty(); }
    bool busy() const noexcept { return m_busy; }
    QString folder() const { return m_folder; }
    std::shared_ptr<const FolderState> state() const { return m_state; }

signals:
    void progress(int done, int total);
    /// While the first scan of a folder runs: the files read so far, ranked (complete == false).
    void partial(std::shared_ptr<const podium::ui::FolderState> state);
    void loaded(std::shared_ptr<const podium::ui::FolderState> state);
    void failed(const QString& message);

private:
    void start();
    void join();
    void watch();
    void watchMore();

    QString m_folder;
    QString m_logsDir;
    std::shared_ptr<const FolderState> m_state;
    std::shared_ptr<ranking::FolderScanner> m_scanner;
    /// The persistent scan index: opened by the first load's worker, used by one worker at a time.
    struct IndexHolder;
    std::shared_ptr<IndexHolder> m_index;
    std::thread m_worker;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    std::atomic<bool> m_busy{false};
    unsigned m_generation = 0;
    QFileSystemWatcher* m_watcher = nullptr;
    QStringList m_toWatch; ///< paths still to add, kWatchChunk per event (a thousand directories take ~25 ms)
    QTimer* m_debounce = nullptr;
    int m_retries = 0;                  ///< reloads scheduled for files still being written
};

} // namespace podium::ui

Q_DECLARE_METATYPE(std::shared_ptr<const podium::ui::FolderState>)
