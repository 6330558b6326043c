// SPDX-License-Identifier: GPL-3.0-or-later
// RenameController: the window's rename and undo — plan with the core's planner, preview in a dialog
// (old → new, conflicts), apply with the journaled executor on a worker thread (common/BackgroundTask: a
// progress dialog with Cancel, the window stays responsive), report. MainWindow only wires actions here.
#pragma once

#include <QObject>
#include <QString>
#include <memory>

class QWidget;

namespace podium::ui {

struct FolderState;

class RenameController : public QObject {
    Q_OBJECT
public:
    static constexpr int kAnswerRollBack = 2;
    explicit RenameController(QWidget* parent);

    /// Plans the canonical rename of group `groupIndex`, asks through a preview dialog, applies it.
    void applyRename(std::shared_ptr<const FolderState> state, int groupIndex);
    /// Reverses the last applied rename in the group's directory.
    void undoRename(std::shared_ptr<const FolderState> state, int groupIndex);
    /// Gives every ranked checkpoint of the group a rank link ({stem}_top{rank}.ckpt → the file).
    void createRankLinks(std::shared_ptr<const FolderState> state, int groupIndex);
    /// Rewrites the paths inside the checkpoints of the group's directory (preview first; "rebase" on when the
    /// embedded directory is not where the files are).
    void syncState(std::shared_ptr<const FolderState> state, int groupIndex);
    /// Offers to complete (or roll back) the interrupted renames of `state` (FolderState::interrupted).
    /// Through DialogSeam the answer is QDialog::Accepted (complete), kAnswerRollBack or Rejected (later).
    void offerRecovery(std::shared_ptr<const FolderState> state);

    /// The name template for renames and links (persisted by the window).
    QString nameTemplate() const { return m_template; }
    void setNameTemplate(const QString& t) { m_template = t; }

signals:
    /// Something changed on disk: the folder should be read again.
    void changed();
    /// A one-line summary for the status bar (or an error).
    void message(const QString& text);

private:
    QWidget* m_parent;
    QString m_template;
    bool m_syncState = true;
    bool m_busy = false; ///< an operation runs on its worker (the window stays live meanwhile)
};

} // namespace podium::ui
