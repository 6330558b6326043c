// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/RunsPanel.h"

#include "runs/RunsModel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QTableView>
#include <QVBoxLayout>

namespace podium::ui {

RunsPanel::RunsPanel(QWidget* parent)
    : QWidget(parent), m_model(new RunsModel(this)), m_proxy(new RunsFilterModel(this)), m_filter(new QLineEdit),
      m_groupBy(new QComboBox), m_error(new QLabel), m_view(new QTableView)
{
    setObjectName("runsPanel");
    m_proxy->setSourceModel(m_model);
    m_filter->setObjectName("runsFilter");
    m_filter->setPlaceholderText(tr("Filter runs: a name pattern, conditions such as lr < 0.01 val_acc > 0.8"));
    m_filter->setClearButtonEnabled(true);
    m_error->setObjectName("runsFilterError");
    m_error->setWordWrap(true);
    m_error->hide();
    m_view->setObjectName("runsTable");
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(RunsModel::Best, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setResizeContentsPrecision(100);
    m_groupBy->setObjectName("runsGroupBy");
    m_groupBy->setToolTip(tr("Group the runs by a parameter: the chart draws each group's mean with its min–max band, "
                             "the table gives mean ± std of each group's best score"));
    m_groupBy->addItem(tr("No grouping"), QString());
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* top = new QHBoxLayout;
    top->addWidget(m_filter, 1);
    top->addWidget(m_groupBy);
    layout->addLayout(top);
    layout->addWidget(m_error);
    layout->addWidget(m_view);
    connect(m_filter, &QLineEdit::textChanged, this, &RunsPanel::setFilterText);
    connect(m_groupBy, &QComboBox::currentIndexChanged, this, [this] {
        m_model->setGroupBy(groupBy());
        m_view->resizeColumnsToContents();
        emit groupByChanged(groupBy());
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &RunsPanel::emitSelection);
}

void RunsPanel::setState(std::shared_ptr<const FolderState> state)
{
    const QStringList keep = selectedRuns();
    {
        const QSignalBlocker block(m_view->selectionModel());
        m_model->setState(std::move(state));
        m_view->resizeColumnsToContents();
    }
    {
        // the parameters that differ across runs: what grouping can use (the choice is kept if still there)
        const QString was = groupBy();
        const QSignalBlocker block(m_groupBy);
        while (m_groupBy->count() > 1)
            m_groupBy->removeItem(1);
        for (const auto& p : m_model->differs())
            m_groupBy->addItem(QString::fromStdString(p), QString::fromStdString(p));
        const int at = m_groupBy->findData(was);
        m_groupBy->setCurrentIndex(at > 0 ? at : 0);
        m_groupBy->setEnabled(m_groupBy->count() > 1);
        if (groupBy() != was)
            emit groupByChanged(groupBy());
    }
    selectRuns(keep);
}

void RunsPanel::setGroupBy(const QString& param)
{
    const int at = m_groupBy->findData(param);
    m_groupBy->setCurrentIndex(at > 0 ? at : 0);
}

QString RunsPanel::groupBy() const
{
    return m_groupBy->currentData().toString();
}

QStringList RunsPanel::selectedRuns() const
{
    QStringList out;
    for (const auto& i : m_view->selectionModel()->selectedRows())
        out << m_model->pathAt(m_proxy->mapToSource(i).row());
    return out;
}

QStringList RunsPanel::visibleRuns() const
{
    QStringList out;
    for (int r = 0; r < m_proxy->rowCount(); ++r)
        out << m_model->pathAt(m_proxy->mapToSource(m_proxy->index(r, 0)).row());
    return out;
}

void RunsPanel::setFilterText(const QString& text)
{
    if (m_filter->text() != text) {
        m_filter->setText(text); // textChanged comes back here
        return;
    }
    const QString error = m_proxy->setFilterText(text);
    m_error->setText(error);
    m_error->setVisible(!error.isEmpty());
    emitSelection(); // hidden rows leave the selection's effect
}

void RunsPanel::selectRuns(const QStringList& paths)
{
    QItemSelection sel;
    for (const auto& p : paths) {
        const int row = m_model->rowOfPath(p);
        if (row < 0)
            continue;
        const QModelIndex i = m_proxy->mapFromSource(m_model->index(row, 0));
        if (i.isValid())
            sel.select(i, i);
    }
    m_view->selectionModel()->select(sel, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

void RunsPanel::emitSelection()
{
    QStringList runs = selectedRuns();
    // with a filter and nothing selected, what the filter lets through is the selection
    if (runs.isEmpty() && !m_filter->text().trimmed().isEmpty())
        runs = visibleRuns();
    emit selectionChanged(runs);
}

} // namespace podium::ui
