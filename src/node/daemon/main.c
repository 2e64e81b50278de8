/* coinjectured entry point: everything lives in the cj_node library (node.c). */
#include "node.h"

/* Hands the command line to the node. */
int main(int argc, char **argv)
{
    return cj_node_main(argc, argv);
}
