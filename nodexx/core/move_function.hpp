// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace nx {

template <class Signature>
class MoveFunction;

/// A move-only type-erased callable (like C++23 std::move_only_function). Callables up to
/// kInlineBytes that are nothrow-movable live inline, so queueing a small lambda (a coroutine
/// handle, a pointer and a ref) never allocates. Calling an empty MoveFunction is undefined.
template <class R, class... Args>
class MoveFunction<R(Args...)> {
 public:
  static constexpr std::size_t kInlineBytes = 48;

  // User-provided so that arrays of empty functions are not zero-filled (value-initialised).
  MoveFunction() noexcept {}  // NOLINT(modernize-use-equals-default)
  MoveFunction(std::nullptr_t) noexcept {}

  template <class F, class D = std::decay_t<F>>
    requires(!std::is_same_v<D, MoveFunction> && std::is_invocable_r_v<R, D&, Args...>)
  MoveFunction(F&& f) {  // NOLINT(google-explicit-constructor): callables convert implicitly
    if constexpr (fitsInline<D>()) {
      ::new (static_cast<void*>(storage_)) D(std::forward<F>(f));
      ops_ = &inlineOps<D>;
    } else {
      *reinterpret_cast<D**>(storage_) = new D(std::forward<F>(f));
      ops_ = &heapOps<D>;
    }
  }

  MoveFunction(MoveFunction&& other) noexcept : ops_(other.ops_) {
    if (ops_ != nullptr) {
      ops_->move(other.storage_, storage_);
      other.ops_ = nullptr;
    }
  }

  MoveFunction& operator=(MoveFunction&& other) noexcept {
    if (this != &other) {
      reset();
      if (other.ops_ != nullptr) {
        other.ops_->move(other.storage_, storage_);
        ops_ = std::exchange(other.ops_, nullptr);
      }
    }
    return *this;
  }

  MoveFunction(const MoveFunction&) = delete;
  MoveFunction& operator=(const MoveFunction&) = delete;
  ~MoveFunction() { reset(); }

  /// Destroys the held callable, leaving this empty.
  void reset() noexcept {
    if (ops_ != nullptr) {
      ops_->destroy(storage_);
      ops_ = nullptr;
    }
  }

  explicit operator bool() const noexcept { return ops_ != nullptr; }

  R operator()(Args... args) { return ops_->call(storage_, std::forward<Args>(args)...); }

 private:
  struct Ops {
    R (*call)(void*, Args&&...);
    void (*move)(void* from, void* to) noexcept;  // move-constructs into `to`, destroys `from`
    void (*destroy)(void*) noexcept;
  };

  template <class D>
  static constexpr bool fitsInline() {
    return sizeof(D) <= kInlineBytes && alignof(D) <= alignof(std::max_align_t) &&
           std::is_nothrow_move_constructible_v<D>;
  }

  template <class D>
  static constexpr Ops inlineOps{
      [](void* p, Args&&... args) -> R {
        return (*std::launder(static_cast<D*>(p)))(std::forward<Args>(args)...);
      },
      [](void* from, void* to) noexcept {
        D* f = std::launder(static_cast<D*>(from));
        ::new (to) D(std::move(*f));
        f->~D();
      },
      [](void* p) noexcept { std::launder(static_cast<D*>(p))->~D(); }};

  template <class D>
  static constexpr Ops heapOps{
      [](void* p, Args&&... args) -> R {
        return (**static_cast<D**>(p))(std::forward<Args>(args)...);
      },
      [](void* from, void* to) noexcept { *static_cast<D**>(to) = *static_cast<D**>(from); },
      [](void* p) noexcept { delete *static_cast<D**>(p); }};

  alignas(std::max_align_t) unsigned char storage_[kInlineBytes];
  const Ops* ops_ = nullptr;
};

}  // namespace nx
