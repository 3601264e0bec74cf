// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/web/multipart_parser.hpp"

namespace nx::stream {
template <class T>
class Readable;
}  // namespace nx::stream

/// The data model of multipart/form-data uploads (multer's file object and options). The
/// middleware itself is mw::multipart() in body_parser.hpp; this header stays light because
/// web::Request includes it for req.files().
namespace nx::web {

/// One uploaded file, as multer describes it (req.files()). Copyable value.
struct UploadedFile {
  /// The form field the file came in (the part's `name`).
  std::string fieldname;
  /// The client's file name made safe (multipart::sanitizeFilename): last path segment, no
  /// control characters, no leading/trailing dots or spaces; "file" if nothing was left.
  /// Never use it as a path without a folder of your own in front.
  std::string originalname;
  /// The file name exactly as sent (after `filename*` decoding), percent-escaped
  /// (multipart::escapeFilename): for logs and audit, not for paths.
  std::string rawOriginalname;
  /// The part's Content-Transfer-Encoding ("7bit" unless the client sent one; never decoded).
  std::string encoding;
  /// The part's media type, lower-cased, without parameters ("application/octet-stream" when
  /// the part has no Content-Type).
  std::string mimetype;
  /// Bytes received for this file.
  std::uint64_t size = 0;
  /// With MultipartOptions::dest: that folder. Otherwise empty.
  std::string destination;
  /// With dest: the random name of the stored file inside destination (32 hex digits, no
  /// extension, as multer). Otherwise empty.
  std::string filename;
  /// With dest: destination + "/" + filename. Otherwise empty, unless an onFile handler set it.
  std::string path;
  /// Memory storage (neither dest nor onFile given): the file's bytes. Otherwise empty.
  Buffer buffer;
};

/// Receives each file of a multipart body as a byte stream (busboy's "file" event, multer's
/// storage engine). Called when the file's part headers are complete, with the file's
/// metadata (size is 0 then; the middleware updates it) and a Readable of its bytes. The
/// handler must consume the stream (pipe it somewhere, or `while (co_await s->read())`);
/// reading is what lets the request body flow (backpressure). It may set `file.path` (or
/// any other member) for later handlers. The returned promise is awaited after the file's
/// last byte was pushed; a handler that settles without reading everything has the rest of
/// the file discarded. A throw or rejection aborts the upload and goes to error middleware
/// (an HttpError keeps its status, anything else is a 500).
/// Lifetime: `file` is valid until the returned promise settles.
using FileHandler =
    std::function<Promise<>(UploadedFile& file, std::shared_ptr<stream::Readable<Buffer>> stream)>;

/// Decides whether to accept a file (multer's fileFilter): false skips the part (its bytes
/// are read and dropped, it does not appear in req.files()). Called with the metadata only
/// (size 0). Throwing an HttpError rejects the request with it.
using FileFilter = std::function<bool(const UploadedFile& file)>;

/// Options of mw::multipart(). Not used across a co_await by callers, so owned members are
/// fine here (the middleware copies them once).
struct MultipartOptions {
  /// Folder to store files in, as multer's `dest`: each file is written to
  /// `dest/<32 random hex digits>` (created with mode 0600; the folder is created if missing).
  /// Files of a request that fails (limit, malformed body, aborted connection) are removed,
  /// including the ones already complete. Empty: no disk storage.
  std::string dest = {};
  /// Stream each file to this handler instead of storing it (takes precedence over dest).
  /// With neither dest nor onFile, files are kept in memory (UploadedFile::buffer), which is
  /// meant for small uploads: lower limits.fileSize accordingly.
  FileHandler onFile = nullptr;
  /// Optional filter run before a file is stored or streamed.
  FileFilter fileFilter = nullptr;
  /// Per-part and per-form limits (defaults in multipart::Limits: fieldNameSize 100, fieldSize
  /// 1 MiB, fields 100, fileSize 10 MiB, files 10, parts 1000, headerPairs 2000).
  multipart::Limits limits = {};
  /// Whole-body limit in bytes, also given to the HTTP layer (req.setMaxBodyBytes) so that a
  /// larger Content-Length is refused before reading; 413 "payload_too_large". 0 (default):
  /// limits.files × limits.fileSize + 1 MiB (101 MiB with the default limits).
  std::uint64_t limit = 0;
  /// Skip file parts whose filename is empty (what a browser sends for an empty file input),
  /// as multer does. Default true.
  bool skipEmptyFiles = true;
};

}  // namespace nx::web
