/* int8 conv -> conv (-> residual add) depth first over mote_conv2d_s8 and mote_add_s8: the
 * schedule is conv_chain.h's. */
#include "conv_chain.h"

MOTE__CHAIN_VARIANT(mote_conv_chain_s8, mote_conv_chain_s8_params, mote_conv_s8_params, mote_conv2d_s8,
                    mote_conv2d_s8_scratch_bytes, bias1, bias2, mote_add_s8)
