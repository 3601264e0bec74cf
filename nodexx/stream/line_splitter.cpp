// SPDX-License-Identifier: MIT
#include "nodexx/stream/line_splitter.hpp"

#include <cstring>

#include "nodexx/stream/errors.hpp"

namespace nx::stream {

bool LineDecoder::append(const char* data, std::size_t n) {
  // One byte of slack for a "\r" that the next "\n" will strip.
  if (partial_.size() + n > max_ + 1) return false;
  partial_.append(data, n);
  if (partial_.size() == max_ + 1 && partial_.back() != '\r') return false;
  return true;
}

bool LineDecoder::write(std::span<const std::uint8_t> bytes, std::vector<std::string>& out) {
  if (failed_) return false;
  const char* p = reinterpret_cast<const char*>(bytes.data());
  std::size_t left = bytes.size();
  while (left > 0) {
    const void* nl = std::memchr(p, '\n', left);
    if (nl == nullptr) {
      if (!append(p, left)) {
        failed_ = true;
        return false;
      }
      break;
    }
    const std::size_t n = static_cast<std::size_t>(static_cast<const char*>(nl) - p);
    std::string line;
    if (partial_.empty()) {
      line.assign(p, n);
    } else {
      line = std::move(partial_);
      partial_.clear();
      line.append(p, n);
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > max_) {
      failed_ = true;
      return false;
    }
    out.push_back(std::move(line));
    p += n + 1;
    left -= n + 1;
  }
  return true;
}

std::optional<std::string> LineDecoder::end() {
  if (failed_ || partial_.empty()) return std::nullopt;
  std::string line = std::move(partial_);
  partial_.clear();
  if (line.back() == '\r') line.pop_back();
  return line;
}

LineSplitter::LineSplitter(LineSplitterOptions options)
    : Transform<Buffer, std::string>(DuplexOptions{
          .readableHighWaterMark = options.readableHighWaterMark,
          .writableHighWaterMark = options.writableHighWaterMark,
      }),
      decoder_(options.maxLineLength) {}

void LineSplitter::_transform(Buffer chunk, Callback callback) {
  lines_.clear();
  if (!decoder_.write(std::span<const std::uint8_t>(chunk.data(), chunk.size()), lines_)) {
    callback(errors::lineTooLong(decoder_.maxLineLength()));
    return;
  }
  for (std::string& line : lines_) push(std::move(line));
  lines_.clear();
  callback();
}

void LineSplitter::_flush(Callback callback) {
  if (std::optional<std::string> last = decoder_.end()) push(std::move(*last));
  callback();
}

}  // namespace nx::stream
