// SPDX-License-Identifier: GPL-3.0-or-later
// RecentFolders: the File ▸ Recent Folders menu, most recent first, kept in QSettings ("recentFolders").
#pragma once

#include <QObject>
#include <QStringList>

class QMenu;

namespace podium::ui {

class RecentFolders : public QObject {
    Q_OBJECT
public:
    static constexpr int kMax = 10;
    RecentFolders(QMenu* menu, QObject* parent);

    void add(const QString& folder);
    QStringList folders() const { return m_folders; }

signals:
    void chosen(const QString& folder);

private:
    void rebuild();
    QMenu* m_menu;
    QStringList m_folders;
};

} // namespace podium::ui
