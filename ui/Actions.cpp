#include "Actions.h"

namespace podium::ui {

Actions::Actions(QObject* parent) : QObject(parent)
{
    openFolder = make("actionOpenFolder", tr("&Open Folder…"), QKeySequence::Open);
    reload = make("actionReload", tr("&Reload"), QKeySequence(Qt::Key_F5));
    copyPath = make("actionCopyPath", tr("Copy &Path"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    quit = make("actionQuit", tr("&Quit"), QKeySequence::Quit);
    applyRename = make("actionApplyRename", tr("Apply &Rename…"), QKeySequence(Qt::CTRL | Qt::Key_R));
    undoRename = make("actionUndoRename", tr("&Undo Rename"), QKeySequence::Undo);
    setEnabled(applyRename, false, tr("Open a folder with ranked checkpoints first"));
    setEnabled(undoRename, false, tr("Open a folder first"));
    setEnabled(reload, false, tr("Open a folder first"));
    setEnabled(copyPath, false, tr("Select a checkpoint first"));
}

QAction* Actions::make(const QString& name, const QString& text, const QKeySequence& key)
{
    auto* a = new QAction(text, this);
    a->setObjectName(name);
    a->setShortcut(key);
    m_byName.insert(name, a);
    return a;
}

QAction* Actions::find(const QString& objectName) const
{
    return m_byName.value(objectName, nullptr);
}

void Actions::setEnabled(QAction* a, bool enabled, const QString& why)
{
    a->setEnabled(enabled);
    a->setToolTip(enabled ? a->text().remove('&') : why);
}

} // namespace podium::ui
