// SPDX-License-Identifier: GPL-3.0-or-later
#include "remote/HttpClient.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>

namespace podium::remote {

std::string HttpResponse::header(const std::string& lowerName) const
{
    const auto it = headers.find(lowerName);
    return it == headers.end() ? std::string() : it->second;
}

std::string percentEncode(std::string_view text, bool keepSlash)
{
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keepSlash && c == '/')) {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
    }
    return out;
}

/// One transfer: the easy handle, what it sends and what came back. Owned by the waiting caller; the loop
/// thread only touches it between curl_multi_add_handle and the completion it signals.
struct HttpClient::Job {
    const HttpRequest* request = nullptr;
    CURL* easy = nullptr;
    curl_slist* headerList = nullptr;
    HttpResponse response;
    std::string rangeText;
    std::size_t uploadAt = 0;
    CURLcode result = CURLE_OK;
    char errorBuffer[CURL_ERROR_SIZE] = {};
    bool done = false;
    std::mutex m;
    std::condition_variable cv;

    ~Job()
    {
        if (easy)
            curl_easy_cleanup(easy);
        if (headerList)
            curl_slist_free_all(headerList);
    }
};

/// The thread that drives the multi handle.
struct HttpClient::Loop {
    CURLM* multi = nullptr;
    std::mutex m;
    std::deque<Job*> pending;
    bool stop = false;
    std::thread thread;

    explicit Loop(const HttpOptions& o)
    {
        multi = curl_multi_init();
        curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(std::max(1u, o.connections)));
        curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(std::max(1u, o.connections)));
        curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(std::max(1u, o.connections)));
        curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
        thread = std::thread([this] { run(); });
    }
    ~Loop()
    {
        {
            std::lock_guard lock(m);
            stop = true;
        }
        curl_multi_wakeup(multi);
        thread.join();
        curl_multi_cleanup(multi);
    }
    void submit(Job* job)
    {
        {
            std::lock_guard lock(m);
            pending.push_back(job);
        }
        curl_multi_wakeup(multi);
    }
    void run()
    {
        std::size_t active = 0;
        for (;;) {
            {
                std::lock_guard lock(m);
                if (stop && active == 0 && pending.empty())
                    return;
                for (Job* j : pending) {
                    curl_multi_add_handle(multi, j->easy);
                    ++active;
                }
                pending.clear();
            }
            int running = 0;
            curl_multi_perform(multi, &running);
            int left = 0;
            while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
                if (msg->msg != CURLMSG_DONE)
                    continue;
                Job* job = nullptr;
                curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&job));
                const CURLcode result = msg->data.result;
                curl_multi_remove_handle(multi, msg->easy_handle);
                --active;
                std::lock_guard lock(job->m);
                job->result = result;
                job->done = true;
                job->cv.notify_all();
            }
            curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
        }
    }
};

namespace {

std::once_flag g_curlInit;

std::size_t onHeader(char* data, std::size_t size, std::size_t n, void* user)
{
    auto* job = static_cast<HttpClient::Job*>(user);
    const std::string_view line(data, size * n);
    if (line.starts_with("HTTP/")) { // a new response (after a redirect or a 100 Continue): start over
        job->response.headers.clear();
        return size * n;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos)
        return size * n;
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
        value.remove_suffix(1);
    job->response.headers[name] = std::string(value);
    return size * n;
}

std::size_t onBody(char* data, std::size_t size, std::size_t n, void* user)
{
    auto* job = static_cast<HttpClient::Job*>(user);
    if (job->response.body.empty() && job->request->range && job->request->refuseWholeBody) {
        long status = 0;
        curl_easy_getinfo(job->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status == 200) { // the server ignored the Range: stop before the whole object comes
            job->response.wholeBodyRefused = true;
            return 0;
        }
    }
    job->response.body.insert(job->response.body.end(), reinterpret_cast<std::uint8_t*>(data),
                              reinterpret_cast<std::uint8_t*>(data) + size * n);
    return size * n;
}

std::size_t onUpload(char* out, std::size_t size, std::size_t n, void* user)
{
    auto* job = static_cast<HttpClient::Job*>(user);
    const std::string& body = job->request->body;
    const std::size_t k = std::min(size * n, body.size() - job->uploadAt);
    std::copy_n(body.data() + job->uploadAt, k, out);
    job->uploadAt += k;
    return k;
}

bool transientCurl(CURLcode c)
{
    switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

} // namespace

HttpClient::HttpClient(HttpOptions options) : m_options(options)
{
    std::call_once(g_curlInit, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    m_loop = std::make_unique<Loop>(m_options);
}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::performOnce(const HttpRequest& req, bool& transient)
{
    transient = false;
    Job job;
    job.request = &req;
    job.easy = curl_easy_init();
    if (!job.easy)
        return Error(ErrorCode::RemoteFailed, "libcurl could not make a transfer handle").inFile(req.url);
    CURL* e = job.easy;
    curl_easy_setopt(e, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(e, CURLOPT_PRIVATE, &job);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, job.errorBuffer);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L); // a hub redirects to a CDN; the Range goes along
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, m_options.connectTimeoutMs);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, m_options.stallTimeoutS);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, nullptr); // byte ranges of the stored bytes, never re-encoded
    curl_easy_setopt(e, CURLOPT_USERAGENT, "podium/" PODIUM_VERSION);
    if (m_options.insecure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (const char* ca = std::getenv("SSL_CERT_FILE"); ca && *ca) {
        curl_easy_setopt(e, CURLOPT_CAINFO, ca); // libcurl itself does not read it (the curl tool does)
    }
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &job);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, onBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &job);
    if (req.range) {
        job.rangeText = std::to_string(req.range->first) + "-" + std::to_string(req.range->second);
        curl_easy_setopt(e, CURLOPT_RANGE, job.rangeText.c_str());
    }
    if (req.method == "HEAD") {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (req.method == "PUT") {
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, onUpload);
        curl_easy_setopt(e, CURLOPT_READDATA, &job);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    } else if (req.method == "POST") {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, req.body.c_str());
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    } else if (req.method != "GET") {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    }
    for (const auto& h : req.headers)
        job.headerList = curl_slist_append(job.headerList, h.c_str());
    // no 100-continue round trip; but curl 7.88's SigV4 would sign the (removed) Expect header too, so
    // signed requests wait at most 1 ms for the 100 instead
    if ((req.method == "PUT" || req.method == "POST") && req.awsSigV4.empty())
        job.headerList = curl_slist_append(job.headerList, "Expect:");
    else if (req.method == "PUT" || req.method == "POST")
        curl_easy_setopt(e, CURLOPT_EXPECT_100_TIMEOUT_MS, 1L);
    if (job.headerList)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, job.headerList);
    if (!req.awsSigV4.empty()) {
        curl_easy_setopt(e, CURLOPT_AWS_SIGV4, req.awsSigV4.c_str());
        curl_easy_setopt(e, CURLOPT_USERPWD, req.userPwd.c_str());
    }

    m_requests.fetch_add(1, std::memory_order_relaxed);
    m_loop->submit(&job);
    {
        std::unique_lock lock(job.m);
        job.cv.wait(lock, [&] { return job.done; });
    }
    curl_off_t down = 0, up = 0;
    long headerSize = 0;
    curl_easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &down);
    curl_easy_getinfo(e, CURLINFO_SIZE_UPLOAD_T, &up);
    curl_easy_getinfo(e, CURLINFO_HEADER_SIZE, &headerSize);
    m_bodyBytes.fetch_add(static_cast<std::uint64_t>(std::max<curl_off_t>(0, down)), std::memory_order_relaxed);
    m_uploaded.fetch_add(static_cast<std::uint64_t>(std::max<curl_off_t>(0, up)), std::memory_order_relaxed);
    m_headerBytes.fetch_add(static_cast<std::uint64_t>(std::max(0L, headerSize)), std::memory_order_relaxed);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &job.response.status);
    if (char* eff = nullptr; curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff)
        job.response.effectiveUrl = eff;
    if (job.result == CURLE_WRITE_ERROR && job.response.wholeBodyRefused)
        return std::move(job.response);
    if (job.result != CURLE_OK) {
        transient = transientCurl(job.result);
        std::string why = job.errorBuffer[0] ? job.errorBuffer : curl_easy_strerror(job.result);
        return Error(ErrorCode::RemoteFailed, req.method + " failed: " + why).inFile(req.url);
    }
    const long s = job.response.status;
    transient = s >= 500 || s == 429;
    return std::move(job.response);
}

Result<HttpResponse> HttpClient::perform(const HttpRequest& request)
{
    unsigned delay = m_options.backoffMs;
    for (int attempt = 0;; ++attempt) {
        bool transient = false;
        auto r = performOnce(request, transient);
        if (!transient || attempt >= m_options.retries)
            return r;
        std::this_thread::sleep_for(std::chrono::milliseconds(delay));
        delay *= 2;
    }
}

} // namespace podium::remote
