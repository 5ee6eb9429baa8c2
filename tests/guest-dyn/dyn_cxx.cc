/* C++ through door 1 (tests/e2e/dyn-cxx.sh): a g++ program on glibc and
 * libstdc++ catching exceptions thrown by a shared library of ours
 * (libdynthrow.so, RUNPATH $ORIGIN) and through it from a callback of
 * its own, destructors run while unwinding, std::thread workers that
 * throw and catch in their thread with thread_local state (one carried
 * out by std::exception_ptr, one by std::future), libstdc++'s own
 * exceptions (errno in a std::filesystem_error), a mutex and condition
 * variable between threads, iostreams formatting. Its stdout must be
 * the same on Linux as in the guest; it checks itself too: the last line
 * says how many checks passed, the status is 0 (1 when one failed).
 * "dyn_cxx uncaught" lets a lib_error escape main: std::terminate, abort. */
#include "libdynthrow.h"

#include <condition_variable>
#include <exception>
#include <filesystem>
#include <fstream>
#include <future>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <queue>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace
{

int checks, failures;

void
check(bool ok, const std::string &what)
{
	checks++;
	if (!ok) {
		failures++;
		std::cout << "not ok: " << what << '\n';
	}
}

/* The program's own exception type, thrown through the library. */
class prog_error : public std::logic_error
{
      public:
	prog_error(const std::string &what, int value) : std::logic_error(what), value_(value) {}
	int value() const noexcept { return value_; }

      private:
	int value_;
};

/* Says on out when it is destroyed, and whether an exception is in flight. */
class note
{
      public:
	note(std::ostream &out, const char *name, int n) : out_(out), name_(name), n_(n) {}
	~note()
	{
		out_ << "  ~" << name_ << '(' << n_ << ')'
		     << (std::uncaught_exceptions() ? " while unwinding" : "") << '\n';
	}

      private:
	std::ostream &out_;
	const char *name_;
	int n_;
};

/* Called by the library (dynthrow::call_through): odd values throw. */
int
callback(int x)
{
	if (x % 2)
		throw prog_error("callback: odd " + std::to_string(x), x);
	return x * 10;
}

/* Called by the library too, and throws from the library again: the unwind
 * goes library -> program -> library -> program. */
std::string nested_log;
int
callback_nested(int x)
{
	dynthrow::throw_code(x * 100, nested_log);
	return 0;
}

void
lib_throws()
{
	std::cout << "library throws:\n";
	std::string log;
	try {
		note a(std::cout, "main", 1);
		dynthrow::throw_code(7, log);
		check(false, "throw_code returned");
	} catch (const dynthrow::lib_error &e) {
		std::cout << "  caught dynthrow::lib_error code=" << e.code() << " what=\""
		          << e.what() << "\"\n";
		check(e.code() == 7, "lib_error's code is 7");
	}
	std::cout << "  library's log: " << log << '\n';
	check(log == "~frame(7)[unwinding] ", "the library's destructor ran while unwinding");

	/* by its bases, whose typeinfo is libstdc++'s */
	try {
		dynthrow::throw_code(8, log);
	} catch (const std::runtime_error &e) {
		std::cout << "  caught as std::runtime_error: " << e.what() << '\n';
		check(dynamic_cast<const dynthrow::lib_error *>(&e) != nullptr,
		      "dynamic_cast to lib_error");
	}
	try {
		dynthrow::throw_code(9, log);
	} catch (const std::logic_error &) {
		check(false, "a lib_error caught as std::logic_error");
	} catch (const std::exception &e) {
		std::cout << "  caught as std::exception: " << e.what() << '\n';
	}
}

void
through_lib()
{
	std::cout << "program throws through the library:\n";
	std::string log;
	int r = dynthrow::call_through(callback, 4, log);
	std::cout << "  call_through(callback, 4) = " << r << ", log: " << log << '\n';
	check(r == 40 && log == "~guard(4) ", "call_through returns the callback's value");
	log.clear();
	try {
		note b(std::cout, "main", 2);
		dynthrow::call_through(callback, 3, log);
		check(false, "call_through(callback, 3) returned");
	} catch (const prog_error &e) {
		std::cout << "  caught prog_error value=" << e.value() << " what=\"" << e.what()
		          << "\"\n";
		check(e.value() == 3, "prog_error's value is 3");
	}
	std::cout << "  library's log: " << log << ", rethrows " << dynthrow::rethrows() << '\n';
	check(log == "~guard(3)[unwinding] " && dynthrow::rethrows() == 1,
	      "the library saw it, rethrew it, and its guard ran");

	log.clear();
	try {
		dynthrow::call_through(callback_nested, 5, log);
	} catch (const dynthrow::lib_error &e) {
		std::cout << "  nested: caught \"" << e.what() << "\", logs: " << nested_log << "| "
		          << log << '\n';
		check(e.code() == 500 && dynthrow::rethrows() == 2, "the nested throw");
	}
}

/* One worker's state; workers write only here, main prints after join. */
struct worker {
	std::ostringstream out;
	std::exception_ptr escaped;
	int caught = 0;
};

/* A thread_local with a constructor and a destructor: the destructor runs
 * at its thread's exit (__cxa_thread_atexit), before join returns. */
struct thread_state {
	std::ostringstream *out = nullptr;
	int throws = 0;
	thread_state() = default;
	~thread_state()
	{
		if (out)
			*out << "  thread_local destroyed after " << throws << " throws\n";
	}
};
thread_local thread_state tstate;
thread_local int tcounter = 1000;

void
work(worker &w, int id)
{
	tstate.out = &w.out;
	tcounter += id;
	for (int j = 0; j <= id; j++) {
		std::string log;
		try {
			note n(w.out, "worker", id * 10 + j);
			tstate.throws++;
			if (j % 2)
				dynthrow::call_through(callback, 2 * j + 1, log);
			else
				dynthrow::throw_code(id * 10 + j, log);
		} catch (const dynthrow::lib_error &e) {
			w.caught++;
			w.out << "  lib_error " << std::setw(3) << std::setfill('0') << e.code()
			      << std::setfill(' ') << " log " << log << '\n';
		} catch (const prog_error &e) {
			w.caught++;
			w.out << "  prog_error " << std::setw(3) << std::setfill('0') << e.value()
			      << std::setfill(' ') << " log " << log << '\n';
		}
	}
	w.out << "  counter " << tcounter << ", library rethrows " << dynthrow::rethrows() << '\n';
	if (id == 2) {
		std::string log;
		try {
			dynthrow::throw_code(42, log);
		} catch (...) {
			w.escaped = std::current_exception();
		}
	}
}

void
threads()
{
	const int n = 4;
	std::vector<worker> ws(n);
	std::vector<std::thread> ts;
	for (int i = 0; i < n; i++)
		ts.emplace_back(work, std::ref(ws[i]), i);
	for (auto &t : ts)
		t.join();
	std::cout << "threads:\n";
	for (int i = 0; i < n; i++) {
		std::cout << " worker " << i << " caught " << ws[i].caught << ":\n"
		          << ws[i].out.str();
		check(ws[i].caught == i + 1, "worker " + std::to_string(i) + " caught all");
		check(ws[i].out.str().find("thread_local destroyed after " + std::to_string(i + 1) +
		                           " throws") != std::string::npos,
		      "worker " + std::to_string(i) + "'s thread_local destructor ran");
	}
	check(tcounter == 1000 && tstate.throws == 0, "the main thread's thread_locals untouched");
	check(dynthrow::rethrows() == 2, "the main thread's library thread_local untouched");
	try {
		if (ws[2].escaped)
			std::rethrow_exception(ws[2].escaped);
		check(false, "worker 2 carried an exception out");
	} catch (const dynthrow::lib_error &e) {
		std::cout << " rethrown from worker 2 in main: " << e.what() << '\n';
		check(e.code() == 42, "the exception_ptr's lib_error");
	}
}

/* Exceptions libstdc++ throws itself, and between threads through it. */
void
stdlib()
{
	std::cout << "libstdc++ throws:\n";
	std::vector<int> v(3);
	try {
		v.at(5) = 1;
	} catch (const std::out_of_range &e) {
		std::cout << "  out_of_range: " << e.what() << '\n';
	}
	try {
		(void)std::stoi("x");
		check(false, "stoi(\"x\") returned");
	} catch (const std::invalid_argument &e) {
		std::cout << "  invalid_argument: " << e.what() << '\n';
	}
	/* the kernel's errno, as strerror words it */
	try {
		std::cout << std::filesystem::file_size("/no/such/file");
		check(false, "file_size of a missing file returned");
	} catch (const std::filesystem::filesystem_error &e) {
		std::cout << "  filesystem_error: " << e.what() << " (errno " << e.code().value()
		          << ")\n";
		check(e.code() == std::errc::no_such_file_or_directory, "ENOENT");
	}
	std::ifstream f;
	f.exceptions(std::ifstream::failbit);
	try {
		f.open("/no/such/file");
		check(false, "ifstream of a missing file opened");
	} catch (const std::ios_base::failure &) {
		std::cout << "  ios_base::failure opening a missing file\n";
	}
	std::future<int> fut = std::async(std::launch::async, [] {
		std::string log;
		return dynthrow::call_through(callback, 11, log);
	});
	try {
		fut.get();
		check(false, "the future's value");
	} catch (const prog_error &e) {
		std::cout << "  from std::async's thread: " << e.what() << '\n';
		check(e.value() == 11, "the future's prog_error");
	}
	try {
		std::random_device rd;
		(void)rd();
	} catch (const std::exception &e) {
		check(false, std::string("random_device: ") + e.what());
	}
}

/* Producer and consumers on a mutex and a condition variable (futexes):
 * every item consumed once, the sum known. */
void
queue_threads()
{
	std::mutex m;
	std::condition_variable cv;
	std::queue<int> q;
	bool done = false;
	long sums[3] = {0, 0, 0};
	std::vector<std::thread> ts;
	for (int i = 0; i < 3; i++)
		ts.emplace_back([&, i] {
			std::unique_lock<std::mutex> lk(m);
			for (;;) {
				cv.wait(lk, [&] { return done || !q.empty(); });
				if (q.empty())
					return;
				sums[i] += q.front();
				q.pop();
			}
		});
	for (int k = 1; k <= 1000; k++) {
		std::lock_guard<std::mutex> lk(m);
		q.push(k);
		cv.notify_one();
	}
	{
		std::lock_guard<std::mutex> lk(m);
		done = true;
	}
	cv.notify_all();
	for (auto &t : ts)
		t.join();
	long sum = sums[0] + sums[1] + sums[2];
	std::cout << "queue: 3 consumers summed " << sum << '\n';
	check(sum == 500500, "every item consumed once");
}

void
formatting()
{
	std::cout << "formatting:\n";
	std::ostringstream s;
	s << '|' << std::setw(8) << 42 << '|' << std::left << std::setw(8) << "left" << '|'
	  << std::right << std::setw(6) << std::setfill('*') << -7 << std::setfill(' ') << '|';
	std::cout << "  " << s.str() << '\n';
	check(s.str() == "|      42|left    |****-7|", "setw, left, right, setfill");
	s.str("");
	s << std::hex << std::showbase << 48879 << ' ' << std::uppercase << 255 << std::dec
	  << std::noshowbase << std::nouppercase << ' ' << std::oct << 8 << std::dec;
	std::cout << "  " << s.str() << '\n';
	check(s.str() == "0xbeef 0XFF 10", "hex, showbase, uppercase, oct");
	s.str("");
	s << std::fixed << std::setprecision(3) << 3.14159265 << ' ' << std::scientific
	  << std::setprecision(2) << 123456.0 << ' ' << std::defaultfloat << 0.1 + 0.2;
	std::cout << "  " << s.str() << '\n';
	check(s.str() == "3.142 1.23e+05 0.3", "fixed, scientific, defaultfloat");
	std::istringstream in("12 34 x 56");
	int a = 0, b = 0, c = 0;
	in >> a >> b >> c;
	bool failed = in.fail();
	std::cout << "  read " << a << ' ' << b << " then " << (failed ? "failed" : "ok") << '\n';
	check(a == 12 && b == 34 && failed, "istringstream stops at x");
}

} // namespace

int
main(int argc, char **argv)
{
	if (argc > 1 && std::string(argv[1]) == "uncaught") {
		std::string log;
		std::cout << "throwing past main" << std::endl;
		dynthrow::throw_code(9, log);
		return 0;
	}
	lib_throws();
	through_lib();
	threads();
	stdlib();
	queue_threads();
	formatting();
	if (failures) {
		std::cout << "dyn_cxx: " << failures << " of " << checks << " checks failed\n";
		return 1;
	}
	std::cout << "dyn_cxx: all " << checks << " checks passed\n";
	return 0;
}
