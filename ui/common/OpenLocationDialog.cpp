// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/OpenLocationDialog.h"

#include "common/DialogSeam.h"
#include "remote/RemoteStore.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

namespace podium::ui {

OpenLocationDialog::OpenLocationDialog(QWidget* parent) : QDialog(parent)
{
    setObjectName("openLocationDialog");
    setWindowTitle(tr("Open Location"));
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Checkpoints on S3 (or an S3-compatible store) or a web server:")));
    m_url = new QComboBox;
    m_url->setObjectName("locationField");
    m_url->setEditable(true);
    m_url->setInsertPolicy(QComboBox::NoInsert);
    m_url->addItems(recent());
    m_url->setCurrentText(QString());
    m_url->lineEdit()->setPlaceholderText(QStringLiteral("s3://bucket/runs/   or   https://host/path/model.ckpt"));
    m_url->setMinimumWidth(520);
    layout->addWidget(m_url);
    m_hint = new QLabel(tr("s3:// — a bucket and prefix, read with the AWS CLI's credentials, region and endpoint "
                           "(AWS_ENDPOINT_URL for MinIO, Ceph, R2…). https:// — one checkpoint file (a web server has "
                           "no listing). Podium reads a few byte ranges of each checkpoint, never the weights."));
    m_hint->setWordWrap(true);
    layout->addWidget(m_hint);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel);
    m_ok = buttons->button(QDialogButtonBox::Open);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_url, &QComboBox::editTextChanged, this, &OpenLocationDialog::check);
    check();
}

QString OpenLocationDialog::location() const
{
    return m_url->currentText().trimmed();
}

void OpenLocationDialog::setLocation(const QString& url)
{
    m_url->setCurrentText(url);
}

void OpenLocationDialog::check()
{
    const std::string u = location().toStdString();
    m_ok->setEnabled(remote::isRemoteUrl(u) && !u.starts_with("@"));
}

QStringList OpenLocationDialog::recent()
{
    return QSettings().value("recentLocations").toStringList();
}

void OpenLocationDialog::remember(const QString& url)
{
    QStringList all = recent();
    all.removeAll(url);
    all.prepend(url);
    while (all.size() > kMax)
        all.removeLast();
    QSettings().setValue("recentLocations", all);
}

QString OpenLocationDialog::ask(QWidget* parent)
{
    OpenLocationDialog d(parent);
    if (DialogSeam::exec(&d) != QDialog::Accepted || !d.m_ok->isEnabled())
        return {};
    return d.location();
}

} // namespace podium::ui
