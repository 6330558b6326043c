// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/Sha256.h"

#include <cerrno>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <unistd.h>
#include <vector>

namespace podium {

namespace {

#define PODIUM_STR2(x) #x
#define PODIUM_STR(x) PODIUM_STR2(x)

/// libcrypto, loaded the first time a hash is asked for. Linking it made every podium-cli run pay its
/// ~19,000 relocations at start-up (~3 ms of a 9 ms start, a few percent of a whole `rank`), while only
/// `manifest --hash` and the tests hash anything. The soname is the one these headers belong to
/// (Debian 12: libcrypto.so.3 from libssl3, which the package depends on).
struct Crypto {
    void* handle = nullptr;
    std::string error;
    EVP_MD_CTX* (*ctxNew)() = nullptr;
    void (*ctxFree)(EVP_MD_CTX*) = nullptr;
    const EVP_MD* (*sha256)() = nullptr;
    int (*init)(EVP_MD_CTX*, const EVP_MD*, ENGINE*) = nullptr;
    int (*update)(EVP_MD_CTX*, const void*, size_t) = nullptr;
    int (*final)(EVP_MD_CTX*, unsigned char*, unsigned int*) = nullptr;
};

const Crypto& crypto()
{
    static const Crypto c = [] {
        Crypto k;
        const char* soname = "libcrypto.so." PODIUM_STR(OPENSSL_SHLIB_VERSION);
        k.handle = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
        if (!k.handle) {
            const char* why = ::dlerror();
            k.error = std::string("SHA-256 needs OpenSSL's ") + soname + " (Debian: libssl3): " + (why ? why : "not found");
            return k;
        }
        auto sym = [&](auto& fn, const char* name) {
            fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(::dlsym(k.handle, name));
            if (!fn && k.error.empty())
                k.error = std::string(soname) + " has no " + name;
        };
        sym(k.ctxNew, "EVP_MD_CTX_new");
        sym(k.ctxFree, "EVP_MD_CTX_free");
        sym(k.sha256, "EVP_sha256");
        sym(k.init, "EVP_DigestInit_ex");
        sym(k.update, "EVP_DigestUpdate");
        sym(k.final, "EVP_DigestFinal_ex");
        return k;
    }();
    return c;
}

} // namespace

Result<std::string> sha256File(const std::string& path)
{
    const Crypto& c = crypto();
    if (!c.error.empty())
        return Error(ErrorCode::IoReadFailed, c.error).inFile(path);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return Error(ErrorCode::IoOpenFailed, std::strerror(errno)).inFile(path);
    EVP_MD_CTX* ctx = c.ctxNew();
    c.init(ctx, c.sha256(), nullptr);
    std::vector<unsigned char> buf(1 << 20);
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            const int e = errno;
            c.ctxFree(ctx);
            ::close(fd);
            return Error(ErrorCode::IoReadFailed, std::strerror(e)).inFile(path);
        }
        if (n == 0) break;
        c.update(ctx, buf.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    c.final(ctx, md, &len);
    c.ctxFree(ctx);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

Result<std::string> sha256Bytes(std::span<const std::uint8_t> bytes)
{
    const Crypto& c = crypto();
    if (!c.error.empty())
        return Error(ErrorCode::IoReadFailed, c.error);
    EVP_MD_CTX* ctx = c.ctxNew();
    c.init(ctx, c.sha256(), nullptr);
    c.update(ctx, bytes.data(), bytes.size());
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    c.final(ctx, md, &len);
    c.ctxFree(ctx);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

} // namespace podium
