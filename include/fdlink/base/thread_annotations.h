// Clang thread-safety annotations (-Wthread-safety). They expand to nothing on
// compilers that do not support them (g++), so they are documentation there.
#ifndef FDLINK_BASE_THREAD_ANNOTATIONS_H_
#define FDLINK_BASE_THREAD_ANNOTATIONS_H_

#if defined(__clang__)
#define FDLINK_TSA(x) __attribute__((x))
#else
#define FDLINK_TSA(x)
#endif

#define CAPABILITY(x) FDLINK_TSA(capability(x))
#define SCOPED_CAPABILITY FDLINK_TSA(scoped_lockable)
#define GUARDED_BY(x) FDLINK_TSA(guarded_by(x))
#define PT_GUARDED_BY(x) FDLINK_TSA(pt_guarded_by(x))
#define ACQUIRED_BEFORE(...) FDLINK_TSA(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) FDLINK_TSA(acquired_after(__VA_ARGS__))
#define REQUIRES(...) FDLINK_TSA(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) FDLINK_TSA(requires_shared_capability(__VA_ARGS__))
#define ACQUIRE(...) FDLINK_TSA(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) FDLINK_TSA(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) FDLINK_TSA(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) FDLINK_TSA(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) FDLINK_TSA(release_generic_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) FDLINK_TSA(try_acquire_capability(__VA_ARGS__))
#define TRY_ACQUIRE_SHARED(...) \
  FDLINK_TSA(try_acquire_shared_capability(__VA_ARGS__))
#define EXCLUDES(...) FDLINK_TSA(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) FDLINK_TSA(assert_capability(x))
#define ASSERT_SHARED_CAPABILITY(x) FDLINK_TSA(assert_shared_capability(x))
#define RETURN_CAPABILITY(x) FDLINK_TSA(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS FDLINK_TSA(no_thread_safety_analysis)

#endif  // FDLINK_BASE_THREAD_ANNOTATIONS_H_
