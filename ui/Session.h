// Session: loads a folder on a worker thread (scan + ranking, the same engine as podium-cli) and hands the
// result to the UI thread as one immutable FolderState. The window never waits for the disk.
#pragma once

#include "ranking/Ranking.h"

#include <QObject>
#include <QString>
#include <atomic>
#include <memory>
#include <thread>

namespace podium::ui {

/// Everything the window shows about one folder, computed off the UI thread.
struct FolderState {
    QString folder;
    ranking::ScanResult scan;
    ranking::Ranking ranking;
    std::map<std::string, std::string> renamed;
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
    bool busy() const noexcept { return m_busy; }
    QString folder() const { return m_folder; }
    std::shared_ptr<const FolderState> state() const { return m_state; }

signals:
    void progress(int done, int total);
    void loaded(std::shared_ptr<const podium::ui::FolderState> state);
    void failed(const QString& message);

private:
    void start();
    void join();

    QString m_folder;
    std::shared_ptr<const FolderState> m_state;
    std::shared_ptr<ranking::FolderScanner> m_scanner;
    std::thread m_worker;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    std::atomic<bool> m_busy{false};
    unsigned m_generation = 0;
};

} // namespace podium::ui

Q_DECLARE_METATYPE(std::shared_ptr<const podium::ui::FolderState>)
