/**
 * Server-to-server links. So far leaf nodes: the leaf port (hub side), solicited remotes
 * (leaf side), the link protocol and its interest routing. Routes and gateways come later.
 */
export { type LeafNodeConfig, readLeafNodeConfig } from "./leaf_config.ts";
export { type LeafLinkView, LeafNodes, type LeafNodesDeps } from "./leaf_nodes.ts";
