/* libdynthrow.so's interface (tests/guest-dyn/libdynthrow.cc), for
 * tests/guest-dyn/dyn_cxx.cc: exceptions thrown by a shared library of
 * ours and through it, both ways across the .so boundary. */
#ifndef LIBDYNTHROW_H
#define LIBDYNTHROW_H

#include <stdexcept>
#include <string>

namespace dynthrow
{

/* The library's own exception type: its typeinfo and vtable live in
 * libdynthrow.so (the key function what() is defined there). */
class lib_error : public std::runtime_error
{
      public:
	lib_error(const std::string &what, int code);
	const char *what() const noexcept override;
	int code() const noexcept { return code_; }

      private:
	int code_;
};

/* Throws lib_error("libdynthrow: code CODE", code) from inside the
 * library, with a destructor of a stack object of its own on the way out
 * (it appends "~frame(CODE)" to log). */
void throw_code(int code, std::string &log);

/* Calls fn(arg) with a stack object of the library's live around it (its
 * destructor appends "~guard(ARG)" to log); whatever fn throws passes
 * through the library's frames, is caught there by catch (...), counted
 * in the caller's thread's rethrows() and rethrown with `throw;`.
 * Returns fn(arg) when it returns. */
int call_through(int (*fn)(int), int arg, std::string &log);

/* How many exceptions call_through rethrew in this thread (a
 * thread_local of the library). */
int rethrows();

} // namespace dynthrow

#endif
