// SPDX-License-Identifier: MIT
// The user-facing API in one include.
#pragma once

#include "nodexx/core/abort.hpp"
#include "nodexx/core/buffer.hpp"
#include "nodexx/core/combinators.hpp"
#include "nodexx/core/crypto.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/core/event.hpp"
#include "nodexx/core/event_emitter.hpp"
#include "nodexx/core/logger.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/loop_health.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/core/sleep.hpp"
#include "nodexx/core/threadpool.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/fs/fs.hpp"
