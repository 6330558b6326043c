// Actions: the registry that owns every QAction of the window — objectName (tests trigger actions by it),
// text, shortcut, and whether it is enabled with a tooltip saying why not.
#pragma once

#include <QAction>
#include <QHash>
#include <QObject>

namespace podium::ui {

class Actions : public QObject {
    Q_OBJECT
public:
    explicit Actions(QObject* parent = nullptr);

    QAction* openFolder = nullptr;   ///< "actionOpenFolder", Ctrl+O
    QAction* reload = nullptr;       ///< "actionReload", F5
    QAction* copyPath = nullptr;     ///< "actionCopyPath", Ctrl+Shift+C
    QAction* applyRename = nullptr;  ///< "actionApplyRename", Ctrl+R
    QAction* undoRename = nullptr;   ///< "actionUndoRename", Ctrl+Z
    QAction* quit = nullptr;         ///< "actionQuit", Ctrl+Q

    /// The action with this objectName, or nullptr.
    QAction* find(const QString& objectName) const;
    /// Enables `a`, or disables it with `why` as its tooltip.
    static void setEnabled(QAction* a, bool enabled, const QString& why = {});

private:
    QAction* make(const QString& name, const QString& text, const QKeySequence& key);
    QHash<QString, QAction*> m_byName;
};

} // namespace podium::ui
