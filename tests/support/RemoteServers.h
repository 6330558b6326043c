// SPDX-License-Identifier: GPL-3.0-or-later
// RemoteServers: the real servers the remote tests read from, started on loopback by the test and stopped
// after it — Debian's nginx over HTTP and HTTPS (a CA and a server certificate made with openssl for
// the test; a /redirect/ location answering 302, a /noranges/ location with `max_ranges 0`), and the
// S3-compatible @20minutes/s3rver (tests/remote, pinned by its package-lock.json) seeded with folders.
#pragma once

#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QTemporaryDir>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace podium::test {

class RemoteServers {
public:
    RemoteServers();
    ~RemoteServers();

    /// Starts nginx with `root` as its document root. Returns "" or what went wrong.
    QString startNginx(const QString& root);
    /// Starts s3rver; each seed is (key prefix, local folder). Returns "" or what went wrong.
    QString startS3(const std::vector<std::pair<QString, QString>>& seeds);
    void stop();

    QString httpBase() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_httpPort); }
    QString httpsBase() const { return QStringLiteral("https://127.0.0.1:%1").arg(m_httpsPort); }
    QString s3Endpoint() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_s3Port); }
    QString caFile() const { return m_dir.filePath(QStringLiteral("ca.pem")); }
    QString dir() const { return m_dir.path(); }
    /// Body bytes nginx sent, by request path, from its access log since the last call (and clears it).
    std::map<std::string, std::uint64_t> takeBytesByPath();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_nginx, m_s3;
    int m_httpPort = 0, m_httpsPort = 0, m_s3Port = 0;
    std::uint64_t m_logRead = 0;
};

/// A free TCP port on 127.0.0.1 (bound and released).
int freePort();

/// Runs `program` with `args`; stdout, stderr and the exit code.
struct Ran {
    int exitCode = -1;
    QByteArray out, err;
};
Ran runProgram(const QString& program, const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment(),
               int timeoutMs = 300000);

} // namespace podium::test
