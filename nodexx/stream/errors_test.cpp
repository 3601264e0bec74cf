// SPDX-License-Identifier: MIT
#include "nodexx/stream/errors.hpp"

#include <gtest/gtest.h>

#include <string>

namespace nx::stream {
namespace {

// Node 20's codes and messages (lib/internal/errors.js).
TEST(StreamErrorsTest, CodesAndMessagesAreNodes) {
  EXPECT_EQ(errors::prematureClose().code(), "ERR_STREAM_PREMATURE_CLOSE");
  EXPECT_STREQ(errors::prematureClose().what(), "Premature close");
  EXPECT_STREQ(errors::writeAfterEnd().what(), "write after end");
  EXPECT_STREQ(errors::pushAfterEof().what(), "stream.push() after EOF");
  EXPECT_STREQ(errors::destroyed("write").what(), "Cannot call write after a stream was destroyed");
  EXPECT_EQ(errors::destroyed("pipe").code(), "ERR_STREAM_DESTROYED");
  EXPECT_STREQ(errors::multipleCallback().what(), "Callback called multiple times");
  EXPECT_EQ(errors::multipleCallback().code(), "ERR_MULTIPLE_CALLBACK");
  EXPECT_STREQ(errors::alreadyFinished("end").what(),
               "Cannot call end after a stream was finished");
  EXPECT_STREQ(errors::cannotPipe().what(), "Cannot pipe, not readable");
  EXPECT_STREQ(errors::methodNotImplemented("_read()").what(),
               "The _read() method is not implemented");
  EXPECT_STREQ(errors::unshiftAfterEnd().what(), "stream.unshift() after end event");
  EXPECT_EQ(errors::abortError().code(), "ABORT_ERR");
  EXPECT_EQ(errors::abortError().name(), "AbortError");
}

}  // namespace
}  // namespace nx::stream
