#include "runtime/childprocess.h"

#include <sys/prctl.h>
#include <unistd.h>

namespace blueshift::runtime {

std::function<void()> dieWithParent(int signal, bool ownProcessGroup)
{
    const pid_t parent = ::getpid(); // read here, in the parent, before the fork
    return [parent, signal, ownProcessGroup] {
        if (ownProcessGroup)
            ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, signal);
        if (::getppid() != parent)
            ::_exit(127);
    };
}

} // namespace blueshift::runtime
