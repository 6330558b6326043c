// SPDX-License-Identifier: GPL-3.0-or-later
#include "support/RemoteServers.h"

#include <QDir>
#include <QFile>
#include <QTextStream>
#include <QThread>

#include <arpa/inet.h>
#include <csignal>
#include <sys/prctl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace podium::test {

int freePort()
{
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = 0;
    if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(s);
    return port;
}

static bool portOpen(int port)
{
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(s);
    return ok;
}

Ran runProgram(const QString& program, const QStringList& args, const QProcessEnvironment& env, int timeoutMs)
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(program, args);
    Ran r;
    if (!p.waitForStarted(10000)) {
        r.err = ("cannot start " + program + ": " + p.errorString()).toUtf8();
        return r;
    }
    p.closeWriteChannel();
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = ("timed out: " + program).toUtf8();
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

RemoteServers::RemoteServers() = default;

/// A server started here ends with the test process, even when the test dies without cleaning up.
static void endsWithTheTest(QProcess& p)
{
    p.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
}

RemoteServers::~RemoteServers()
{
    stop();
}

void RemoteServers::stop()
{
    for (auto* p : {m_nginx.get(), m_s3.get()}) {
        if (p && p->state() != QProcess::NotRunning) {
            p->terminate();
            if (!p->waitForFinished(5000)) {
                p->kill();
                p->waitForFinished();
            }
        }
    }
    m_nginx.reset();
    m_s3.reset();
}

QString RemoteServers::startNginx(const QString& root)
{
    const QString d = m_dir.path();
    // A CA, and a certificate for 127.0.0.1 that it signed: the client trusts the CA (SSL_CERT_FILE), not the cert.
    const QString ext = d + "/ext.cnf";
    {
        QFile f(ext);
        if (!f.open(QIODevice::WriteOnly))
            return "cannot write " + ext;
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n");
    }
    const QList<QStringList> steps = {
        {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", d + "/ca.key",
         "-out", d + "/ca.pem", "-days", "2", "-subj", "/CN=Podium test CA"},
        {"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", d + "/server.key", "-out",
         d + "/server.csr", "-subj", "/CN=127.0.0.1"},
        {"x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.pem", "-CAkey", d + "/ca.key", "-CAcreateserial", "-out",
         d + "/server.pem", "-days", "2", "-extfile", ext},
    };
    for (const auto& s : steps) {
        const Ran r = runProgram("openssl", s);
        if (r.exitCode != 0)
            return "openssl " + s.join(' ') + " failed: " + QString::fromUtf8(r.err);
    }
    m_httpPort = freePort();
    m_httpsPort = freePort();
    for (const char* sub : {"body", "proxy", "fastcgi", "uwsgi", "scgi"})
        QDir().mkpath(d + "/" + sub);
    const QString conf = QStringLiteral(R"(daemon off;
master_process off;
worker_processes 1;
pid %1/nginx.pid;
error_log %1/error.log;
events { worker_connections 512; }
http {
  log_format bytes '$uri $status $body_bytes_sent';
  access_log %1/access.log bytes;
  client_body_temp_path %1/body; proxy_temp_path %1/proxy; fastcgi_temp_path %1/fastcgi;
  uwsgi_temp_path %1/uwsgi; scgi_temp_path %1/scgi;
  default_type application/octet-stream;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:%2;
    listen 127.0.0.1:%3 ssl http2;
    ssl_certificate %1/server.pem;
    ssl_certificate_key %1/server.key;
    root %4;
    location /redirect/ { rewrite ^/redirect/(.*)$ /$1 redirect; }
    location /noranges/ { alias %4/; max_ranges 0; }
  }
}
)").arg(d).arg(m_httpPort).arg(m_httpsPort).arg(root);
    QFile cf(d + "/nginx.conf");
    if (!cf.open(QIODevice::WriteOnly))
        return "cannot write nginx.conf";
    cf.write(conf.toUtf8());
    cf.close();
    QString nginx = "/usr/sbin/nginx";
    if (!QFile::exists(nginx))
        return "nginx is not installed (Debian: nginx-light; scripts/setup-debian.sh --tests installs it)";
    m_nginx = std::make_unique<QProcess>();
    endsWithTheTest(*m_nginx);
    m_nginx->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_nginx->start(nginx, {"-p", d, "-c", d + "/nginx.conf", "-e", d + "/error.log"});
    for (int i = 0; i < 100; ++i) {
        if (portOpen(m_httpPort) && portOpen(m_httpsPort))
            return {};
        if (m_nginx->state() == QProcess::NotRunning)
            break;
        QThread::msleep(50);
    }
    QFile log(d + "/error.log");
    log.open(QIODevice::ReadOnly);
    return "nginx did not start: " + QString::fromUtf8(log.readAll());
}

QString RemoteServers::startS3(const std::vector<std::pair<QString, QString>>& seeds)
{
    const QString here = QStringLiteral(PODIUM_SOURCE_DIR "/tests/remote");
    if (!QFile::exists(here + "/node_modules/@20minutes/s3rver/package.json"))
        return "the S3 test server is not installed (npm ci --prefix tests/remote; scripts/setup-debian.sh --tests does it)";
    m_s3Port = freePort();
    const QString data = m_dir.path() + "/s3";
    QDir().mkpath(data);
    QStringList args{here + "/run-s3server.sh", QString::number(m_s3Port), data};
    for (const auto& [prefix, folder] : seeds)
        args << prefix + "=" + folder;
    m_s3 = std::make_unique<QProcess>();
    endsWithTheTest(*m_s3);
    m_s3->setProcessChannelMode(QProcess::SeparateChannels);
    m_s3->start("/bin/sh", args);
    QByteArray out;
    for (int i = 0; i < 1200; ++i) { // seeding a few hundred files takes seconds
        m_s3->waitForReadyRead(100);
        out += m_s3->readAllStandardOutput();
        if (out.contains("ready"))
            return {};
        if (m_s3->state() == QProcess::NotRunning)
            break;
    }
    return "the S3 test server did not start: " + QString::fromUtf8(out + m_s3->readAllStandardError());
}

std::map<std::string, std::uint64_t> RemoteServers::takeBytesByPath()
{
    std::map<std::string, std::uint64_t> out;
    QFile log(m_dir.path() + "/access.log");
    if (!log.open(QIODevice::ReadOnly))
        return out;
    log.seek(static_cast<qint64>(m_logRead));
    const QByteArray all = log.readAll();
    m_logRead += static_cast<std::uint64_t>(all.size());
    for (const QByteArray& line : all.split('\n')) {
        const auto parts = line.split(' ');
        if (parts.size() == 3)
            out[QByteArray::fromPercentEncoding(parts[0]).toStdString()] += parts[2].toULongLong();
    }
    return out;
}

} // namespace podium::test
