/* A C++ shared library of ours (tests/e2e/dyn-cxx.sh): throws its own
 * exception type to the program and lets the program's exceptions unwind
 * through its frames (catch (...), rethrow), with destructors of its
 * stack objects run on the way and a thread_local count per thread.
 * Interface: libdynthrow.h. */
#include "libdynthrow.h"

#include <sstream>

namespace dynthrow
{

namespace
{

/* Appends "~NAME(N)" to log when it goes out of scope, unwinding or not. */
class scope_note
{
      public:
	scope_note(const char *name, int n, std::string &log) : name_(name), n_(n), log_(log) {}
	~scope_note()
	{
		std::ostringstream s;
		s << '~' << name_ << '(' << n_ << ')';
		if (std::uncaught_exceptions() > 0)
			s << "[unwinding]";
		log_ += s.str();
		log_ += ' ';
	}

      private:
	const char *name_;
	int n_;
	std::string &log_;
};

thread_local int rethrow_count;

} // namespace

lib_error::lib_error(const std::string &what, int code) : std::runtime_error(what), code_(code) {}

const char *
lib_error::what() const noexcept
{
	return std::runtime_error::what();
}

void
throw_code(int code, std::string &log)
{
	scope_note frame("frame", code, log);
	std::ostringstream s;
	s << "libdynthrow: code " << code;
	throw lib_error(s.str(), code);
}

int
call_through(int (*fn)(int), int arg, std::string &log)
{
	scope_note guard("guard", arg, log);
	try {
		return fn(arg);
	} catch (...) {
		rethrow_count++;
		throw;
	}
}

int
rethrows()
{
	return rethrow_count;
}

} // namespace dynthrow
