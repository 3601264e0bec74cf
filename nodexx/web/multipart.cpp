// SPDX-License-Identifier: MIT
// mw::multipart: multipart/form-data into req.body() (fields) and req.files() (files stored to
// disk, streamed to a handler, or kept in memory), parsed while the body streams in.
#include "nodexx/web/multipart.hpp"

#include <atomic>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nodexx/core/crypto.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/fs/fs.hpp"
#include "nodexx/fs/write_stream.hpp"
#include "nodexx/http/errors.hpp"
#include "nodexx/stream/readable.hpp"
#include "nodexx/web/accepts.hpp"
#include "nodexx/web/body_parser.hpp"
#include "nodexx/web/content_type.hpp"
#include "nodexx/web/errors.hpp"
#include "nodexx/web/multipart_parser.hpp"
#include "nodexx/web/request.hpp"
#include "nodexx/web/response.hpp"

namespace nx::web {

namespace {

struct State {
  MultipartOptions options;
  std::uint64_t limit = 0;
  // The destination folder is created once per middleware (mkdir -p), on first use.
  mutable std::atomic<bool> destReady{false};
};

// One parse event, kept until the coroutine has handled it (file writes are asynchronous,
// the parser is not): a chunk of the request yields a few of these.
struct Event {
  enum class Kind : std::uint8_t { Begin, Data, End } kind;
  Buffer data;       // Data: a slice of the request chunk (or a copy)
  std::string name;  // Begin: field name
  std::optional<std::string> filename;
  std::string mimeType;
  std::string encoding;
};

class Collector final : public multipart::Handler {
 public:
  std::vector<Event> events;
  Buffer chunk;  // the chunk being parsed: data views inside it become slices, not copies

  void onPartBegin(const multipart::PartInfo& p) override {
    Event e{Event::Kind::Begin,     {}, std::string(p.name), std::nullopt, std::string(p.mimeType),
            std::string(p.encoding)};
    if (p.filename) e.filename = std::string(*p.filename);
    events.push_back(std::move(e));
  }
  void onPartData(std::string_view d) override {
    const auto* base = reinterpret_cast<const char*>(chunk.data());
    Buffer slice;
    if (d.data() >= base && d.data() + d.size() <= base + chunk.size()) {
      const auto at = static_cast<std::ptrdiff_t>(d.data() - base);
      slice = chunk.subarray(at, at + static_cast<std::ptrdiff_t>(d.size()));
    } else {
      // Bytes the parser held back as a possible delimiter come from its own copy.
      slice = Buffer::from(d);
    }
    events.push_back(Event{Event::Kind::Data, std::move(slice), {}, std::nullopt, {}, {}});
  }
  void onPartEnd() override {
    events.push_back(Event{Event::Kind::End, {}, {}, std::nullopt, {}, {}});
  }
};

// The Readable an onFile handler receives. push() is driven by the middleware; _read() (the
// consumer wants more) and the handler settling both wake the middleware up.
struct Gate {
  std::optional<Promise<>::Resolvers> waiter;
  bool wantMore = false;
  bool handlerDone = false;
  std::exception_ptr handlerError;
  void wake() {
    if (waiter) {
      auto w = std::move(*waiter);
      waiter.reset();
      w.resolve();
    }
  }
};

// Awaits an onFile handler's promise so that its rejection is handled at once (not reported
// as unhandled while the middleware waits for the request), then wakes the middleware.
// Never rejects: the error is kept in the gate for the end of the part.
Promise<> watchHandler(Promise<> handler, std::shared_ptr<Gate> gate) {
  try {
    co_await handler;
  } catch (...) {
    gate->handlerError = std::current_exception();
  }
  gate->handlerDone = true;
  gate->wake();
}

class FileStream final : public stream::Readable<Buffer> {
 public:
  explicit FileStream(std::shared_ptr<Gate> gate) : gate_(std::move(gate)) {}
  void _read(std::size_t) override {
    gate_->wantMore = true;
    gate_->wake();
  }

 private:
  std::shared_ptr<Gate> gate_;
};

HttpError parseError(multipart::Error e, const multipart::Limits& limits) {
  std::string detail(multipart::errorMessage(e));
  const std::string_view limit = multipart::limitName(e);
  if (!limit.empty()) {
    std::size_t value = 0;
    switch (e) {
      case multipart::Error::FieldNameSize:
        value = limits.fieldNameSize;
        break;
      case multipart::Error::FieldSize:
        value = limits.fieldSize;
        break;
      case multipart::Error::Fields:
        value = limits.fields;
        break;
      case multipart::Error::FileSize:
        value = limits.fileSize;
        break;
      case multipart::Error::Files:
        value = limits.files;
        break;
      case multipart::Error::Parts:
        value = limits.parts;
        break;
      case multipart::Error::HeaderPairs:
        value = limits.headerPairs;
        break;
      case multipart::Error::HeaderSize:
        value = limits.headerSize;
        break;
      default:
        break;
    }
    detail += " (limit " + std::string(limit) + " = " + std::to_string(value) + ")";
  }
  return HttpError(multipart::errorStatus(e), std::string(multipart::errorCode(e)), detail);
}

HttpError tooLarge(std::uint64_t limit) {
  return HttpError(413, std::string(errc::body::kPayloadTooLarge),
                   "request entity too large (limit " + std::to_string(limit) + " bytes)");
}

void addField(json::Value& fields, const std::string& name, std::string value) {
  // busboy decodes field values as UTF-8 with replacement characters; so do we.
  json::Value v(Buffer::from(value).toString());
  if (json::Value* existing = fields.find(name)) {
    if (!existing->isArray()) {
      json::Value first = std::move(*existing);
      *existing = json::Array{};
      existing->push_back(std::move(first));
    }
    existing->push_back(std::move(v));
  } else {
    fields.set(name, std::move(v));
  }
}

// Everything the coroutine tracks for the part in progress and the request.
struct Upload {
  enum class Sink : std::uint8_t { None, Field, Skip, Handler, Disk, Memory } sink = Sink::None;
  std::string fieldName;
  std::string fieldValue;
  std::unique_ptr<UploadedFile> file;
  std::vector<Buffer> memory;
  std::shared_ptr<fs::WriteStream> disk;
  std::shared_ptr<std::exception_ptr> diskError;  // the disk stream's "error", if any
  std::shared_ptr<FileStream> stream;
  std::shared_ptr<Gate> gate;
  std::optional<Promise<>> handler;
  bool discard = false;              // the handler settled without reading everything
  std::vector<std::string> created;  // files written for this request (removed on error)
  std::size_t filesBefore = 0;       // req.files().size() when the request started
};

std::string randomName() { return crypto::randomBytes(16).toString(Encoding::Hex); }

Promise<> beginFile(const State& st, Upload& up, Event& e) {
  auto file = std::make_unique<UploadedFile>();
  file->fieldname = std::move(e.name);
  file->originalname = multipart::sanitizeFilename(*e.filename);
  if (file->originalname.empty()) file->originalname = "file";
  file->rawOriginalname = multipart::escapeFilename(*e.filename);
  file->encoding = std::move(e.encoding);
  file->mimetype = std::move(e.mimeType);
  const MultipartOptions& o = st.options;
  if ((o.skipEmptyFiles && e.filename->empty()) || (o.fileFilter && !o.fileFilter(*file))) {
    up.sink = Upload::Sink::Skip;
    co_return;
  }
  up.file = std::move(file);
  if (o.onFile) {
    up.sink = Upload::Sink::Handler;
    up.gate = std::make_shared<Gate>();
    up.stream = std::make_shared<FileStream>(up.gate);
    // The middleware destroys the stream with the request's error when the upload fails; a
    // handler that already stopped listening must not turn that into an uncaught "error".
    up.stream->events().error.on([](std::exception_ptr) {});
    up.discard = false;
    up.handler = watchHandler(o.onFile(*up.file, up.stream), up.gate);
  } else if (!o.dest.empty()) {
    up.sink = Upload::Sink::Disk;
    if (!st.destReady.load(std::memory_order_acquire)) {
      const std::string dir = o.dest;
      co_await fs::mkdir(dir, fs::MkdirOptions{true, 0700});
      st.destReady.store(true, std::memory_order_release);
    }
    up.file->destination = o.dest;
    up.file->filename = randomName();
    up.file->path = o.dest + "/" + up.file->filename;
    up.created.push_back(up.file->path);
    fs::WriteStreamOptions wo;
    wo.flags = "wx";
    wo.mode = 0600;
    up.disk = fs::createWriteStream(up.file->path, wo);
    // Open and write failures arrive as "error" events, possibly while the middleware waits
    // for the request; keep the error (an unheard "error" would be thrown) for the next step.
    up.diskError = std::make_shared<std::exception_ptr>();
    up.disk->events().error.on([e = up.diskError](std::exception_ptr err) { *e = err; });
  } else {
    up.sink = Upload::Sink::Memory;
    up.memory.clear();
  }
}

Promise<> fileData(Upload& up, Buffer data) {
  up.file->size += data.size();
  switch (up.sink) {
    case Upload::Sink::Memory:
      up.memory.push_back(std::move(data));
      break;
    case Upload::Sink::Disk:
      co_await up.disk->write(std::move(data));
      break;
    case Upload::Sink::Handler: {
      if (up.discard || up.stream->destroyed()) break;
      up.gate->wantMore = false;
      if (up.stream->push(std::move(data))) break;
      // The reader is behind: stop reading the request until it asks for more (backpressure),
      // or until the handler settles, after which nobody will read the rest.
      while (!up.gate->wantMore && !up.gate->handlerDone && !up.stream->destroyed()) {
        up.gate->waiter = Promise<>::withResolvers();
        Promise<> wait = up.gate->waiter->promise;
        co_await wait;
      }
      if (up.gate->handlerDone && !up.gate->wantMore) up.discard = true;
      break;
    }
    default:
      break;
  }
}

Promise<> endFile(Request& req, Upload& up) {
  switch (up.sink) {
    case Upload::Sink::Memory:
      up.file->buffer =
          up.memory.size() == 1 ? std::move(up.memory.front()) : Buffer::concat(up.memory);
      up.memory.clear();
      break;
    case Upload::Sink::Disk:
      if (*up.diskError) std::rethrow_exception(*up.diskError);
      try {
        co_await up.disk->end();
      } catch (...) {
        if (!*up.diskError) throw;
      }
      if (*up.diskError) std::rethrow_exception(*up.diskError);
      up.disk.reset();
      break;
    case Upload::Sink::Handler: {
      if (!up.stream->destroyed()) up.stream->push(nullptr);
      Promise<> p = std::move(*up.handler);
      up.handler.reset();
      co_await p;
      if (up.gate->handlerError) std::rethrow_exception(up.gate->handlerError);
      up.stream.reset();
      up.gate.reset();
      break;
    }
    default:
      co_return;
  }
  req.files().push_back(std::move(*up.file));
  up.file.reset();
}

// Undoes what an unfinished upload left: the stream or file in progress, and every stored
// file of this request.
Promise<> cleanUp(Request& req, Upload& up, std::exception_ptr error) {
  if (up.stream) {
    if (!up.stream->destroyed()) up.stream->destroy(error);
    if (up.handler) {
      Promise<> p = std::move(*up.handler);
      up.handler.reset();
      co_await p;  // never rejects (watchHandler); the request fails with the first error
    }
  }
  if (up.disk) {
    // Unlink only once the stream has closed: its open may still be running on the thread
    // pool, and would create the file again after an earlier unlink.
    std::shared_ptr<fs::WriteStream> disk = std::move(up.disk);
    if (!disk->closed()) {
      auto closed = Promise<>::withResolvers();
      Promise<> done = closed.promise;
      disk->events().close.once([closed]() mutable { closed.resolve(); });
      disk->destroy();
      co_await done;
    }
  }
  for (const std::string& path : up.created) {
    try {
      co_await fs::unlink(path);
    } catch (...) {
      // Already gone (or never opened): nothing to remove.
    }
  }
  auto& files = req.files();
  if (files.size() > up.filesBefore)
    files.erase(files.begin() + static_cast<std::ptrdiff_t>(up.filesBefore), files.end());
}

[[noreturn]] void rethrowRead(std::exception_ptr e, std::uint64_t limit) {
  try {
    std::rethrow_exception(e);
  } catch (const SystemError& s) {
    if (s.code() == http::errc::kBodyTooLarge) throw tooLarge(limit);
    if (s.code() == http::errc::kConnectionReset || s.code() == "ERR_STREAM_PREMATURE_CLOSE")
      throw HttpError(400, std::string(errc::body::kRequestAborted), "request aborted");
    throw;
  }
}

Promise<> process(const State& st, Upload& up, Request& req, Event& e, json::Value& fields) {
  switch (e.kind) {
    case Event::Kind::Begin:
      if (e.filename) {
        co_await beginFile(st, up, e);
      } else {
        up.sink = Upload::Sink::Field;
        up.fieldName = std::move(e.name);
        up.fieldValue.clear();
      }
      break;
    case Event::Kind::Data:
      if (up.sink == Upload::Sink::Field) {
        up.fieldValue.append(e.data.byteView());
      } else if (up.sink != Upload::Sink::Skip && up.sink != Upload::Sink::None) {
        co_await fileData(up, std::move(e.data));
      }
      break;
    case Event::Kind::End:
      if (up.sink == Upload::Sink::Field) {
        addField(fields, up.fieldName, std::move(up.fieldValue));
      } else if (up.sink != Upload::Sink::Skip && up.sink != Upload::Sink::None) {
        co_await endFile(req, up);
      }
      up.sink = Upload::Sink::None;
      break;
  }
}

Promise<> runMultipart(std::shared_ptr<State> st, Request& req, Response&, Next next,
                       std::string boundary) {
  req.setBodyParsed();
  req.setMaxBodyBytes(st->limit);
  Upload up;
  up.filesBefore = req.files().size();
  multipart::Parser parser(boundary, st->options.limits);
  Collector collector;
  json::Value fields = json::Object{};
  std::uint64_t total = 0;
  std::exception_ptr error;
  try {
    bool ended = false;
    while (!ended) {
      std::optional<Buffer> chunk;
      try {
        chunk = co_await req.read();
      } catch (...) {
        rethrowRead(std::current_exception(), st->limit);
      }
      multipart::Error err;
      collector.events.clear();
      if (chunk) {
        total += chunk->size();
        if (total > st->limit) throw tooLarge(st->limit);
        collector.chunk = std::move(*chunk);
        err = parser.write(collector.chunk.byteView(), collector);
      } else {
        err = parser.end(collector);
        ended = true;
      }
      // The events before an error are still handled, so that cleanUp sees every file.
      for (Event& e : collector.events) co_await process(*st, up, req, e, fields);
      collector.chunk = Buffer();
      if (err != multipart::Error::None) throw parseError(err, st->options.limits);
    }
  } catch (...) {
    error = std::current_exception();
  }
  if (error) {
    co_await cleanUp(req, up, error);
    std::rethrow_exception(error);
  }
  req.body() = std::move(fields);
  next();
}

}  // namespace

}  // namespace nx::web

namespace nx::mw {

web::Middleware multipart(web::MultipartOptions options) {
  auto st = std::make_shared<web::State>();
  const auto& l = options.limits;
  st->limit = options.limit != 0 ? options.limit
                                 : static_cast<std::uint64_t>(l.files) * l.fileSize + (1u << 20);
  st->options = std::move(options);
  return [st](web::Request& req, web::Response& res, web::Next next) -> Promise<> {
    static constexpr std::string_view kType[] = {"multipart/form-data"};
    if (req.bodyParsed() ||
        !web::hasBody(req.get("transfer-encoding"), req.get("content-length")) ||
        !web::typeMatches(req.contentType(), kType)) {
      next();
      return {};
    }
    const web::content_type::ContentType ct = web::content_type::parse(req.contentType());
    const std::string boundary(ct.parameter("boundary").value_or(std::string_view()));
    if (!web::multipart::isValidBoundary(boundary)) {
      next(web::parseError(web::multipart::Error::InvalidBoundary, st->options.limits));
      return {};
    }
    if (auto enc = req.get("content-encoding"); enc && *enc != "identity") {
      next(web::HttpError(415, std::string(web::errc::body::kUnsupportedEncoding),
                          "content encoding unsupported for multipart bodies"));
      return {};
    }
    if (auto cl = req.get("content-length")) {
      std::uint64_t n = 0;
      bool digits = !cl->empty() && cl->size() <= 19;
      for (char c : *cl) {
        if (c < '0' || c > '9')
          digits = false;
        else
          n = n * 10 + static_cast<std::uint64_t>(c - '0');
      }
      if (digits && n > st->limit) {
        next(web::tooLarge(st->limit));
        return {};
      }
    }
    return web::runMultipart(st, req, res, next, boundary);
  };
}

}  // namespace nx::mw
