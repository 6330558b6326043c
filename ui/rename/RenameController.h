// RenameController: the window's rename and undo — plan with the core's planner, preview in a dialog
// (old → new, conflicts), apply with the journaled executor, report. MainWindow only wires actions here.
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
    explicit RenameController(QWidget* parent);

    /// Plans the canonical rename of group `groupIndex`, asks through a preview dialog, applies it.
    void applyRename(std::shared_ptr<const FolderState> state, int groupIndex);
    /// Reverses the last applied rename in the group's directory.
    void undoRename(std::shared_ptr<const FolderState> state, int groupIndex);

signals:
    /// Something changed on disk: the folder should be read again.
    void changed();
    /// A one-line summary for the status bar (or an error).
    void message(const QString& text);

private:
    QWidget* m_parent;
};

} // namespace podium::ui
