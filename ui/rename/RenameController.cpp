#include "rename/RenameController.h"

#include "Session.h"
#include "common/DialogSeam.h"
#include "rename/RenameExecutor.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QTableWidget>
#include <QVBoxLayout>
#include <filesystem>

namespace podium::ui {

namespace {

std::string groupDir(const FolderState& s, const ranking::Group& g)
{
    return std::filesystem::absolute(s.folder.toStdString() + "/" + g.directory).lexically_normal().string();
}

/// old → new table with Apply / Cancel.
QDialog* previewDialog(QWidget* parent, const rename::RenamePlan& plan, const ranking::Group& g)
{
    auto* d = new QDialog(parent);
    d->setObjectName("renamePreview");
    d->setWindowTitle(QObject::tr("Apply Rename"));
    auto* layout = new QVBoxLayout(d);
    layout->addWidget(new QLabel(QObject::tr("Rename %1 checkpoint(s) of %2 so that their names carry their rank. "
                                             "Nothing is overwritten; Undo Rename puts every name back.")
                                     .arg(plan.moves.size())
                                     .arg(QString::fromStdString(g.label()))));
    auto* table = new QTableWidget(static_cast<int>(plan.moves.size()), 3);
    table->setObjectName("renameTable");
    table->setHorizontalHeaderLabels({QObject::tr("Rank"), QObject::tr("Now"), QObject::tr("New name")});
    for (int i = 0; i < static_cast<int>(plan.moves.size()); ++i) {
        const auto& m = plan.moves[static_cast<std::size_t>(i)];
        table->setItem(i, 0, new QTableWidgetItem(QString::number(m.rank)));
        table->setItem(i, 1, new QTableWidgetItem(QString::fromStdString(m.from)));
        table->setItem(i, 2, new QTableWidgetItem(QString::fromStdString(m.to)));
    }
    table->verticalHeader()->hide();
    table->horizontalHeader()->setStretchLastSection(true);
    table->resizeColumnsToContents();
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(table);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    buttons->addButton(QObject::tr("Apply"), QDialogButtonBox::AcceptRole);
    QObject::connect(buttons, &QDialogButtonBox::accepted, d, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, d, &QDialog::reject);
    layout->addWidget(buttons);
    d->resize(560, 320);
    return d;
}

} // namespace

RenameController::RenameController(QWidget* parent) : QObject(parent), m_parent(parent) {}

void RenameController::applyRename(std::shared_ptr<const FolderState> state, int groupIndex)
{
    if (!state || groupIndex < 0 || groupIndex >= static_cast<int>(state->ranking.groups.size()))
        return;
    const auto& g = state->ranking.groups[static_cast<std::size_t>(groupIndex)];
    const std::string dir = groupDir(*state, g);
    rename::PlanConfig pc;
    pc.tempTag = rename::newJournalId();
    auto plan = rename::planRename(g, rename::namesInDirectory(dir), pc);
    if (!plan) {
        emit message(QString::fromStdString(plan.error().message()));
        return;
    }
    if (plan->empty()) {
        emit message(tr("Nothing to rename: the ranked checkpoints already carry their rank."));
        return;
    }
    std::unique_ptr<QDialog> d(previewDialog(m_parent, *plan, g));
    if (DialogSeam::exec(d.get()) != QDialog::Accepted)
        return;
    const auto ids = rename::identitiesIn(state->scan, g.directory);
    rename::RenameExecutor ex;
    rename::ApplyOptions opts;
    auto r = ex.apply(dir, *plan, ids, opts);
    if (!r && r.error().code == ErrorCode::FolderActive) {
        QMessageBox box(QMessageBox::Question, tr("Training may still be running"),
                        QString::fromStdString(r.error().detail) + "\n\n" + tr("Rename anyway?"),
                        QMessageBox::Yes | QMessageBox::No, m_parent);
        const int answer = DialogSeam::exec(&box);
        if (answer != QMessageBox::Yes && answer != QDialog::Accepted)
            return;
        opts.force = true;
        r = ex.apply(dir, *plan, ids, opts);
    }
    if (!r) {
        emit message(QString::fromStdString(r.error().message()));
        return;
    }
    emit message(tr("Renamed %1 checkpoint(s); Undo Rename puts the names back.").arg(r->moved.size()));
    emit changed();
}

void RenameController::undoRename(std::shared_ptr<const FolderState> state, int groupIndex)
{
    if (!state || groupIndex < 0 || groupIndex >= static_cast<int>(state->ranking.groups.size()))
        return;
    const auto& g = state->ranking.groups[static_cast<std::size_t>(groupIndex)];
    rename::RenameExecutor ex;
    auto r = ex.undo(groupDir(*state, g));
    if (!r) {
        emit message(QString::fromStdString(r.error().message()));
        return;
    }
    emit message(tr("Undone: %1 checkpoint(s) have their old names again.").arg(r->moved.size()));
    emit changed();
}

} // namespace podium::ui
