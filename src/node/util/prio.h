/* Event priorities of the node's loop (libevent runs only the most urgent non-empty level per turn):
 * peer connections (blocks, votes of the chain) and block production first, then the HTTP API and
 * timers (libevent's default, the middle level), then the admission of relayed transactions. Under
 * overload, clients and the transaction backlog wait, blocks do not. Bases with fewer levels (tests)
 * simply use what exists. Shared by daemon/ (the loop) and net/ (the connections). */
#ifndef CJ_NODE_PRIO_H
#define CJ_NODE_PRIO_H

enum { CJ_PRIO_CONSENSUS = 0, CJ_PRIO_DEFAULT = 1, CJ_PRIO_BACKGROUND = 2, CJ_PRIO_LEVELS = 3 };

#endif /* CJ_NODE_PRIO_H */
