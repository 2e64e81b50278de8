/* One established P2P peer as the node reports it (net fills it, the API shows it at GET /v1/peers): a
 * plain record below both, so neither wing needs the other's headers. */
#ifndef CJ_NODE_PEER_INFO_H
#define CJ_NODE_PEER_INFO_H

#include <stdint.h>

typedef struct {
    char addr[64];           /* remote address "ip:port" */
    uint8_t node_key[32];    /* the key the handshake proved */
    int outbound;
    int score;
    uint64_t height, weight; /* last status (0 if none yet) */
    uint8_t best[32];
    int64_t connected_ms;    /* Unix ms */
    int twin;                /* another connection presents this node key from another process (net/twin.h) */
} cj_peer_info;

#endif /* CJ_NODE_PEER_INFO_H */
