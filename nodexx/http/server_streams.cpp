// SPDX-License-Identifier: MIT
#include "nodexx/http/internal/server_streams.hpp"

#include "nodexx/core/errors.hpp"
#include "nodexx/http/internal/connection.hpp"
#include "nodexx/http/server_response.hpp"

namespace nx::http::detail {

namespace {
stream::ReadableOptions readableOptions(std::size_t hwm) {
  stream::ReadableOptions o;
  o.highWaterMark = hwm;
  return o;
}
stream::WritableOptions writableOptions(std::size_t hwm) {
  stream::WritableOptions o;
  o.highWaterMark = hwm;
  return o;
}
}  // namespace

BodyReadable::BodyReadable(Connection& c, std::size_t hwm)
    : stream::Readable<Buffer>(readableOptions(hwm)), conn_(&c) {}

void BodyReadable::_read(std::size_t) {
  if (conn_ != nullptr) conn_->bodyWanted();
}

ResponseWritable::ResponseWritable(ServerResponse& res, std::size_t hwm)
    : stream::Writable<Buffer>(writableOptions(hwm)), res_(&res) {}

void ResponseWritable::detach() noexcept {
  res_ = nullptr;
  if (pending_) {
    stream::Callback cb = std::move(pending_);
    pending_ = {};
    cb(std::make_exception_ptr(SystemError("ERR_STREAM_PREMATURE_CLOSE", "Premature close")));
  }
}

void ResponseWritable::drained() noexcept {
  if (pending_) {
    stream::Callback cb = std::move(pending_);
    pending_ = {};
    cb();
  }
}

void ResponseWritable::_write(Buffer chunk, stream::Callback callback) {
  if (res_ == nullptr || res_->writableEnded()) {
    callback(std::make_exception_ptr(SystemError("ERR_STREAM_WRITE_AFTER_END", "write after end")));
    return;
  }
  if (res_->write(chunk)) {
    callback();
  } else {
    pending_ = std::move(callback);  // released by drained() or detach()
  }
}

void ResponseWritable::_final(stream::Callback callback) {
  if (res_ != nullptr) res_->end();
  callback();
}

}  // namespace nx::http::detail
