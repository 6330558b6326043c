// SPDX-License-Identifier: GPL-3.0-or-later
// PinController: Pin as Best, Unpin and Export Manifest for the window — the core's Pinning and Manifest,
// with the questions and messages a desktop user needs. MainWindow only wires actions here.
#pragma once

#include <QObject>
#include <QString>
#include <memory>

class QWidget;

namespace podium::ui {

struct FolderState;

class PinController : public QObject {
    Q_OBJECT
public:
    explicit PinController(QWidget* parent);

    /// Pins `file` (folder-relative) with a `best.ckpt` link beside it (or `podium-best.ckpt` when Lightning's
    /// own best.ckpt is a real file there).
    /// With `syncState` on, best_model_path inside the checkpoints of that directory is set to it too, so
    /// Lightning's ckpt_path="best" loads the pinned file (journaled; Undo Rename restores the bytes).
    void pin(std::shared_ptr<const FolderState> state, const QString& file);
    void setSyncState(bool on) { m_syncState = on; }
    bool syncState() const { return m_syncState; }
    void unpin(std::shared_ptr<const FolderState> state);
    /// Asks where (JSON or CSV by suffix) and writes the manifest atomically.
    void exportManifest(std::shared_ptr<const FolderState> state);

signals:
    void changed();
    void message(const QString& text);

private:
    QWidget* m_parent;
    bool m_syncState = false;
};

} // namespace podium::ui
