// SPDX-License-Identifier: GPL-3.0-or-later
#include "remote/AwsConfig.h"

#include <cstdlib>
#include <fstream>

namespace podium::remote {

namespace {

std::string env(const char* name)
{
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

std::string trim(std::string s)
{
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos)
        return {};
    const auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

std::string home()
{
    return env("HOME");
}

} // namespace

std::map<std::string, std::map<std::string, std::string>> readAwsIni(const std::string& path)
{
    std::map<std::string, std::map<std::string, std::string>> out;
    std::ifstream in(path);
    std::string line, section, parent;
    while (std::getline(in, line)) {
        const bool indented = !line.empty() && (line[0] == ' ' || line[0] == '\t');
        const std::string t = trim(line);
        if (t.empty() || t[0] == '#' || t[0] == ';')
            continue;
        if (t.front() == '[' && t.back() == ']') {
            section = trim(t.substr(1, t.size() - 2));
            parent.clear();
            continue;
        }
        const auto eq = t.find('=');
        if (eq == std::string::npos || section.empty())
            continue;
        const std::string key = trim(t.substr(0, eq)), value = trim(t.substr(eq + 1));
        if (indented && !parent.empty()) {
            out[section][parent + "." + key] = value;
            continue;
        }
        parent = value.empty() ? key : std::string();
        out[section][key] = value;
    }
    return out;
}

std::string AwsConfig::describe() const
{
    std::string s = anonymous() ? std::string("no credentials (anonymous requests)")
                                : "access key " + accessKey.substr(0, 4) + "… from " + credentialSource;
    s += ", region " + region;
    s += ", endpoint " + (endpoint.empty() ? std::string("AWS") : endpoint);
    return s;
}

AwsConfig AwsConfig::fromEnvironment()
{
    AwsConfig c;
    if (const auto p = env("AWS_PROFILE"); !p.empty())
        c.profile = p;
    const std::string credFile = !env("AWS_SHARED_CREDENTIALS_FILE").empty() ? env("AWS_SHARED_CREDENTIALS_FILE")
                                                                               : home() + "/.aws/credentials";
    const std::string confFile = !env("AWS_CONFIG_FILE").empty() ? env("AWS_CONFIG_FILE") : home() + "/.aws/config";
    const auto creds = readAwsIni(credFile);
    const auto conf = readAwsIni(confFile);
    const std::string confSection = c.profile == "default" ? "default" : "profile " + c.profile;
    auto confValue = [&](const std::string& key) {
        for (const auto& sec : {confSection, c.profile}) {
            if (auto s = conf.find(sec); s != conf.end())
                if (auto v = s->second.find(key); v != s->second.end())
                    return v->second;
        }
        return std::string();
    };

    if (!env("AWS_ACCESS_KEY_ID").empty() && !env("AWS_SECRET_ACCESS_KEY").empty()) {
        c.accessKey = env("AWS_ACCESS_KEY_ID");
        c.secretKey = env("AWS_SECRET_ACCESS_KEY");
        c.sessionToken = env("AWS_SESSION_TOKEN");
        c.credentialSource = "AWS_ACCESS_KEY_ID";
    } else if (auto s = creds.find(c.profile); s != creds.end() && s->second.count("aws_access_key_id")) {
        c.accessKey = s->second.at("aws_access_key_id");
        c.secretKey = s->second.count("aws_secret_access_key") ? s->second.at("aws_secret_access_key") : "";
        c.sessionToken = s->second.count("aws_session_token") ? s->second.at("aws_session_token") : "";
        c.credentialSource = credFile + " [" + c.profile + "]";
    } else if (!confValue("aws_access_key_id").empty()) {
        c.accessKey = confValue("aws_access_key_id");
        c.secretKey = confValue("aws_secret_access_key");
        c.sessionToken = confValue("aws_session_token");
        c.credentialSource = confFile + " [" + confSection + "]";
    } else {
        c.credentialSource = "none";
    }

    if (const auto r = env("AWS_REGION"); !r.empty())
        c.region = r;
    else if (const auto d = env("AWS_DEFAULT_REGION"); !d.empty())
        c.region = d;
    else if (const auto p = confValue("region"); !p.empty())
        c.region = p;

    for (const char* name : {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"})
        if (c.endpoint.empty())
            c.endpoint = env(name);
    if (c.endpoint.empty())
        c.endpoint = confValue("endpoint_url");
    while (!c.endpoint.empty() && c.endpoint.back() == '/')
        c.endpoint.pop_back();
    c.pathStyle = !c.endpoint.empty();
    std::string style = env("PODIUM_S3_ADDRESSING");
    if (style.empty())
        style = confValue("s3.addressing_style");
    if (style == "path")
        c.pathStyle = true;
    else if (style == "virtual")
        c.pathStyle = false;
    return c;
}

} // namespace podium::remote
