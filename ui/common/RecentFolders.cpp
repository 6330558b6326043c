// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/RecentFolders.h"

#include <QDir>
#include <QMenu>
#include <QSettings>

namespace podium::ui {

RecentFolders::RecentFolders(QMenu* menu, QObject* parent) : QObject(parent), m_menu(menu)
{
    m_menu->setObjectName("menuRecentFolders");
    m_folders = QSettings().value("recentFolders").toStringList();
    rebuild();
}

void RecentFolders::add(const QString& folder)
{
    const QString clean = QDir::cleanPath(QDir(folder).absolutePath());
    m_folders.removeAll(clean);
    m_folders.prepend(clean);
    while (m_folders.size() > kMax)
        m_folders.removeLast();
    QSettings().setValue("recentFolders", m_folders);
    rebuild();
}

void RecentFolders::rebuild()
{
    m_menu->clear();
    for (int i = 0; i < m_folders.size(); ++i) {
        const QString f = m_folders[i];
        QAction* a = m_menu->addAction(QStringLiteral("&%1  %2").arg(i + 1 < 10 ? QString::number(i + 1) : QStringLiteral("0"), f));
        a->setEnabled(QDir(f).exists());
        connect(a, &QAction::triggered, this, [this, f] { emit chosen(f); });
    }
    if (m_folders.isEmpty())
        m_menu->addAction(tr("(none yet)"))->setEnabled(false);
    else {
        m_menu->addSeparator();
        connect(m_menu->addAction(tr("Clear List")), &QAction::triggered, this, [this] {
            m_folders.clear();
            QSettings().setValue("recentFolders", m_folders);
            rebuild();
        });
    }
}

} // namespace podium::ui
