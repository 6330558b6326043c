// SPDX-License-Identifier: GPL-3.0-or-later
// BackgroundTask: runs a long file operation (a rename, a sync that rewrites whole legacy files, an undo) on a
// worker thread while the window stays responsive: a window-modal progress dialog (shown after 300 ms) with the
// current file and Cancel. The work reports through TaskProgress and polls `cancelled`; the caller gets the
// work's result back when it is done, as if it had run inline.
#pragma once

#include <QCoreApplication>
#include <QEventLoop>
#include <QMetaObject>
#include <QProgressDialog>
#include <QTimer>
#include <QWidget>
#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace podium::ui {

struct TaskProgress {
    std::atomic<bool> cancel{false};
    std::atomic<std::size_t> done{0}, total{0};
    void setFile(const std::string& f)
    {
        std::lock_guard lock(m_mutex);
        m_file = f;
    }
    std::string file() const
    {
        std::lock_guard lock(m_mutex);
        return m_file;
    }

private:
    mutable std::mutex m_mutex;
    std::string m_file;
};

template <class Work>
auto runInBackground(QWidget* parent, const QString& title, Work&& work) -> decltype(work(std::declval<TaskProgress&>()))
{
    using R = decltype(work(std::declval<TaskProgress&>()));
    TaskProgress progress;
    std::optional<R> result;
    QEventLoop loop;
    QProgressDialog dialog(title, QCoreApplication::translate("BackgroundTask", "Cancel"), 0, 0, parent);
    dialog.setObjectName("taskProgress");
    dialog.setWindowModality(Qt::WindowModal);
    dialog.setMinimumDuration(300);
    dialog.setAutoClose(false);
    dialog.setAutoReset(false);
    QObject::connect(&dialog, &QProgressDialog::canceled, &dialog, [&] { progress.cancel = true; });
    QTimer poll;
    poll.setInterval(50);
    QObject::connect(&poll, &QTimer::timeout, &dialog, [&] {
        const auto total = progress.total.load();
        if (total > 0) {
            dialog.setMaximum(static_cast<int>(total));
            dialog.setValue(static_cast<int>(progress.done.load()));
        }
        const std::string f = progress.file();
        if (!f.empty())
            dialog.setLabelText(title + "\n" + QString::fromStdString(f));
    });
    poll.start();
    std::atomic<bool> finished{false};
    std::thread worker([&] {
        result.emplace(work(progress));
        finished = true;
        QMetaObject::invokeMethod(&loop, "quit", Qt::QueuedConnection);
    });
    if (!finished)
        loop.exec(); // the dialog is window-modal once shown; the controller refuses a second operation meanwhile
    worker.join();
    poll.stop();
    dialog.reset();
    return std::move(*result);
}

} // namespace podium::ui
