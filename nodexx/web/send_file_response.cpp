// SPDX-License-Identifier: MIT
// Response::sendFile() and Response::download(): the file engine of send_file.cpp over the
// web layer's Request/Response.
#include <memory>
#include <string>
#include <utility>

#include "nodexx/core/errors.hpp"
#include "nodexx/fs/fs.hpp"
#include "nodexx/web/content_disposition.hpp"
#include "nodexx/web/errors.hpp"
#include "nodexx/web/request.hpp"
#include "nodexx/web/response.hpp"
#include "nodexx/web/send_file.hpp"
#include "nodexx/web/settings.hpp"

namespace nx::web {

namespace {

class WebFileExchange final : public detail::FileExchange {
 public:
  WebFileExchange(Request& req, Response& res, const detail::SetHeadersHook* hook)
      : req_(req), res_(res), hook_(hook), closed_(std::make_shared<bool>(false)) {
    // onFinish also runs when the connection closes; a close before end() is the client
    // going away.
    res_.onFinish([closed = closed_] { *closed = true; });
  }

  std::string_view method() const noexcept override { return req_.method(); }
  std::optional<std::string_view> requestHeader(std::string_view name) const noexcept override {
    return req_.get(name);
  }
  std::optional<std::string_view> getHeader(std::string_view name) const noexcept override {
    return res_.get(name);
  }
  void setHeader(std::string_view name, std::string_view value) override { res_.set(name, value); }
  void removeHeader(std::string_view name) override { res_.removeHeader(name); }
  int statusCode() const noexcept override { return res_.statusCode(); }
  void setStatus(int status) override { res_.status(status); }
  bool headersSent() const noexcept override { return res_.headersSent(); }
  Promise<> write(Buffer chunk) override {
    if (res_.write(chunk)) return Promise<>::resolve();
    return res_.drained();
  }
  void end() override { res_.end(); }
  bool aborted() const noexcept override { return *closed_ && !res_.writableEnded(); }
  void onHeaders(std::string_view path, const fs::Stats& stats) override {
    if (hook_ != nullptr && *hook_) (*hook_)(res_, path, stats);
  }

 private:
  Request& req_;
  Response& res_;
  const detail::SetHeadersHook* hook_;
  std::shared_ptr<bool> closed_;
};

// What Express does with the outcome of its sendfile(): errors go to next(err) (here: the
// promise rejects), a directory calls next() (here: 404, what the final handler answers).
void settle(const detail::SendOutcome& outcome) {
  if (outcome.kind == detail::SendOutcome::Kind::Error) detail::throwSendError(outcome);
  if (outcome.kind == detail::SendOutcome::Kind::Directory) {
    throw HttpError(404, "not_found", "The requested file does not exist");
  }
}

}  // namespace

Promise<detail::SendOutcome> detail::sendWebPath(Request& req, Response& res, std::string path,
                                                 bool urlEncoded, const SendSettings& settings,
                                                 const SetHeadersHook* hook) {
  WebFileExchange ex(req, res, hook);
  if (settings.etag && req.settings().etag == ETagMode::Off) {
    SendSettings copy = settings;
    copy.etag = false;
    co_return co_await sendPath(ex, std::move(path), urlEncoded, copy);
  }
  co_return co_await sendPath(ex, std::move(path), urlEncoded, settings);
}

Promise<> Response::sendFile(std::string path) {
  SendFileOptions options;
  return sendFile(std::move(path), options);
}

Promise<> Response::sendFile(std::string path, SendFileOptions options) {
  detail::checkSendFilePath(path, options);
  const detail::SendSettings settings = detail::SendSettings::from(options);
  const detail::SendOutcome outcome =
      co_await detail::sendWebPath(req(), *this, std::move(path), false, settings, nullptr);
  settle(outcome);
}

Promise<> Response::download(std::string path) {
  SendFileOptions options;
  return download(std::move(path), std::string(), options);
}

Promise<> Response::download(std::string path, std::string filename) {
  SendFileOptions options;
  return download(std::move(path), std::move(filename), options);
}

Promise<> Response::download(std::string path, std::string filename, SendFileOptions options) {
  if (path.empty())
    throw SystemError("ERR_INVALID_ARG_VALUE", "path argument is required to res.download");
  detail::SendSettings settings = detail::SendSettings::from(options);
  // Express: Content-Disposition first, then the caller's headers except Content-Disposition.
  const std::string_view name =
      detail::basename(filename.empty() ? std::string_view(path) : std::string_view(filename));
  std::vector<std::pair<std::string, std::string>> headers;
  headers.emplace_back("Content-Disposition", content_disposition::create(name));
  for (auto& h : settings.headers) {
    std::string lower = h.first;
    for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    if (lower != "content-disposition") headers.push_back(std::move(h));
  }
  settings.headers = std::move(headers);
  // Without a root Express resolves the path against the working directory.
  if (settings.root.empty()) path = detail::resolvePath(path);
  const detail::SendOutcome outcome =
      co_await detail::sendWebPath(req(), *this, std::move(path), false, settings, nullptr);
  settle(outcome);
}

}  // namespace nx::web
