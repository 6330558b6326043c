// SPDX-License-Identifier: GPL-3.0-or-later
// Reaper: frees large objects off the UI thread. A folder's state (ten thousand scanned files, their
// checkpoints, the runs) takes tens of milliseconds to free; the window replaces it with every partial result
// of a scan, so it hands the old one here instead of dropping the last reference on its own thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace podium::ui {

class Reaper {
public:
    Reaper() : m_thread([this] { loop(); }) {}
    ~Reaper()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_one();
        m_thread.join();
    }
    Reaper(const Reaper&) = delete;
    Reaper& operator=(const Reaper&) = delete;

    /// Drops `p` on the reaper's thread (where it is freed if that was its last reference).
    void dispose(std::shared_ptr<const void> p)
    {
        if (!p)
            return;
        {
            std::lock_guard lock(m_mutex);
            m_queue.push_back(std::move(p));
        }
        m_wake.notify_one();
    }

private:
    void loop()
    {
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_wake.wait(lock, [this] { return m_stop || !m_queue.empty(); });
            while (!m_queue.empty()) {
                auto p = std::move(m_queue.front());
                m_queue.pop_front();
                lock.unlock();
                p.reset();
                lock.lock();
            }
            if (m_stop)
                return;
        }
    }
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::shared_ptr<const void>> m_queue;
    bool m_stop = false;
    std::thread m_thread;
};

} // namespace podium::ui
