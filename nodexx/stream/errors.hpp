// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string_view>

#include "nodexx/core/errors.hpp"

/// The stream module's error catalogue: Node's codes and messages (lib/internal/errors.js), so
/// that `e.code() == "ERR_STREAM_PREMATURE_CLOSE"` works as `err.code === ...` does in Node.
/// Every factory returns an nx::SystemError whose name() is "Error" unless stated otherwise.
namespace nx::stream::errors {

inline constexpr std::string_view kPrematureClose = "ERR_STREAM_PREMATURE_CLOSE";
inline constexpr std::string_view kWriteAfterEnd = "ERR_STREAM_WRITE_AFTER_END";
inline constexpr std::string_view kPushAfterEof = "ERR_STREAM_PUSH_AFTER_EOF";
inline constexpr std::string_view kDestroyed = "ERR_STREAM_DESTROYED";
inline constexpr std::string_view kMultipleCallback = "ERR_MULTIPLE_CALLBACK";
inline constexpr std::string_view kAlreadyFinished = "ERR_STREAM_ALREADY_FINISHED";
inline constexpr std::string_view kCannotPipe = "ERR_STREAM_CANNOT_PIPE";
inline constexpr std::string_view kMethodNotImplemented = "ERR_METHOD_NOT_IMPLEMENTED";
inline constexpr std::string_view kNullValues = "ERR_STREAM_NULL_VALUES";
inline constexpr std::string_view kUnshiftAfterEnd = "ERR_STREAM_UNSHIFT_AFTER_END_EVENT";
inline constexpr std::string_view kAbort = "ABORT_ERR";
/// nodexx's own: a LineSplitter line longer than its maxLineLength.
inline constexpr std::string_view kLineTooLong = "ERR_STREAM_LINE_TOO_LONG";

/// ERR_STREAM_PREMATURE_CLOSE, "Premature close": a stream closed before end/finish.
SystemError prematureClose();
/// ERR_STREAM_WRITE_AFTER_END, "write after end".
SystemError writeAfterEnd();
/// ERR_STREAM_PUSH_AFTER_EOF, "stream.push() after EOF".
SystemError pushAfterEof();
/// ERR_STREAM_DESTROYED, "Cannot call <method> after a stream was destroyed" (method is
/// "write", "end", "pipe", ...).
SystemError destroyed(std::string_view method);
/// ERR_MULTIPLE_CALLBACK, "Callback called multiple times".
SystemError multipleCallback();
/// ERR_STREAM_ALREADY_FINISHED, "Cannot call <method> after a stream was finished".
SystemError alreadyFinished(std::string_view method);
/// ERR_STREAM_CANNOT_PIPE, "Cannot pipe, not readable".
SystemError cannotPipe();
/// ERR_METHOD_NOT_IMPLEMENTED, "The <method> method is not implemented" ("_read()", ...).
SystemError methodNotImplemented(std::string_view method);
/// ERR_STREAM_NULL_VALUES, "May not write null values to stream" (a TypeError in Node).
SystemError nullValues();
/// ERR_STREAM_UNSHIFT_AFTER_END_EVENT, "stream.unshift() after end event".
SystemError unshiftAfterEnd();
/// ABORT_ERR with name "AbortError", "The operation was aborted" (what pipeline() destroys
/// its stages with when its AbortSignal fires).
AbortError abortError();
/// ERR_STREAM_LINE_TOO_LONG, "Line exceeds the maximum length of <max> bytes".
SystemError lineTooLong(std::size_t maxLineLength);

}  // namespace nx::stream::errors
