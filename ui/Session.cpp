#include "Session.h"

#include "rename/RenameJournal.h"

#include <QMetaObject>
#include <QPointer>
#include <filesystem>
#include <set>

namespace podium::ui {

Session::Session(QObject* parent) : QObject(parent), m_scanner(std::make_shared<ranking::FolderScanner>())
{
    qRegisterMetaType<std::shared_ptr<const FolderState>>();
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

void Session::open(const QString& folder)
{
    if (folder != m_folder)
        m_scanner = std::make_shared<ranking::FolderScanner>(); // a new folder starts with an empty cache
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
    QPointer<Session> self(this);
    auto cancelFlag = m_cancel;
    auto scanner = m_scanner;
    const std::string folder = m_folder.toStdString();
    m_worker = std::thread([self, cancelFlag, scanner, folder, generation] {
        ranking::ScanOptions so;
        so.progress = [&](std::size_t done, std::size_t total) {
            QMetaObject::invokeMethod(self, [self, done, total] {
                if (self) emit self->progress(static_cast<int>(done), static_cast<int>(total));
            }, Qt::QueuedConnection);
            return !*cancelFlag;
        };
        auto scan = scanner->scan(folder, so);
        if (scan && scan->files.empty()) { // Lightning keeps checkpoints in sub-folders
            so.recursive = true;
            scan = scanner->scan(folder, so);
        }
        if (*cancelFlag)
            return;
        if (!scan) {
            const QString msg = QString::fromStdString(scan.error().message());
            QMetaObject::invokeMethod(self, [self, msg, generation] {
                if (!self || generation != self->m_generation) return;
                self->m_busy = false;
                emit self->failed(msg);
            }, Qt::QueuedConnection);
            return;
        }
        auto state = std::make_shared<FolderState>();
        state->folder = QString::fromStdString(folder);
        if (auto renamed = rename::renameMapForScan(*scan))
            state->renamed = std::move(*renamed);
        ranking::RankConfig rc;
        rc.renamed = &state->renamed;
        state->ranking = ranking::rank(*scan, rc);
        state->scan = std::move(*scan);
        std::shared_ptr<const FolderState> done = state;
        QMetaObject::invokeMethod(self, [self, done, generation] {
            if (!self || generation != self->m_generation) return;
            self->m_state = done;
            self->m_busy = false;
            emit self->loaded(done);
        }, Qt::QueuedConnection);
    });
}

} // namespace podium::ui
