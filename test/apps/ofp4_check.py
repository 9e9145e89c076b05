# An os-ken app (Debian's python3-os-ken) that drives one switch through a fixed script and
# prints each result as a line "OFP4CHECK {json}" for test/e2e/os-ken.test.ts: features, desc,
# three flow adds, barrier, flow/aggregate/port stats, role master, role slave (a flow_mod must
# then fail with EPERM / IS_SLAVE), role master again, delete all, barrier, empty flow stats.
# OFP4_OF_VERSION=1.0 or 1.3 picks the OpenFlow version. Run with /usr/bin/python3's osken-manager.
import json
import os
import sys

from os_ken.app.ofctl import api as ofctl_api
from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.lib import hub
from os_ken.ofproto import ofproto_v1_0, ofproto_v1_3

VERSION = os.environ.get("OFP4_OF_VERSION", "1.3")


def report(step, **fields):
    fields["step"] = step
    sys.stdout.write("OFP4CHECK " + json.dumps(fields, default=str) + "\n")
    sys.stdout.flush()


class Ofp4Check(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_0.OFP_VERSION] if VERSION == "1.0" else [ofproto_v1_3.OFP_VERSION]
    _REQUIRED_APP = ["os_ken.app.ofctl.service"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.errors = []
        self.started = False
        self.nx_role_value = None
        self.resume_after_reconnect = False

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def features(self, ev):
        msg = ev.msg
        report("features", datapath_id=msg.datapath_id, n_tables=msg.n_tables, n_buffers=msg.n_buffers, version=msg.version)

    @set_ev_cls(ofp_event.EventOFPErrorMsg, MAIN_DISPATCHER)
    def error(self, ev):
        msg = ev.msg
        self.errors.append({"type": msg.type, "code": msg.code, "xid": msg.xid})

    @set_ev_cls(ofp_event.EventNXTRoleReply, MAIN_DISPATCHER)
    def nx_role_reply(self, ev):
        self.nx_role_value = ev.msg.role

    @set_ev_cls(ofp_event.EventOFPStateChange, MAIN_DISPATCHER)
    def ready(self, ev):
        if not self.started:
            self.started = True
            hub.spawn(self.script, ev.datapath)
        elif self.resume_after_reconnect:
            # OpenFlow 1.0 only: os-ken dropped the connection on the slave's error (see below);
            # ofp4 connected again and the script goes on.
            self.resume_after_reconnect = False
            report("reconnected")
            hub.spawn(self.finish, ev.datapath)

    def barrier(self, dp):
        return ofctl_api.send_msg(self, dp.ofproto_parser.OFPBarrierRequest(dp), reply_cls=dp.ofproto_parser.OFPBarrierReply)

    def flow_add(self, dp, priority, in_port, out_port):
        p, o = dp.ofproto_parser, dp.ofproto
        if VERSION == "1.0":
            match = p.OFPMatch(in_port=in_port)
            mod = p.OFPFlowMod(dp, match=match, cookie=priority, command=o.OFPFC_ADD, idle_timeout=0, hard_timeout=0,
                               priority=priority, buffer_id=0xffffffff, out_port=o.OFPP_NONE, flags=0,
                               actions=[p.OFPActionOutput(out_port)])
        else:
            match = p.OFPMatch(in_port=in_port)
            mod = p.OFPFlowMod(dp, cookie=priority, table_id=0, command=o.OFPFC_ADD, priority=priority, match=match,
                               instructions=[p.OFPInstructionActions(o.OFPIT_APPLY_ACTIONS, [p.OFPActionOutput(out_port)])])
        dp.send_msg(mod)
        return mod

    def flow_stats(self, dp):
        p, o = dp.ofproto_parser, dp.ofproto
        if VERSION == "1.0":
            req = p.OFPFlowStatsRequest(dp, 0, p.OFPMatch(), 0xff, o.OFPP_NONE)
        else:
            req = p.OFPFlowStatsRequest(dp, 0, o.OFPTT_ALL, o.OFPP_ANY, o.OFPG_ANY, 0, 0, p.OFPMatch())
        replies = ofctl_api.send_msg(self, req, reply_cls=p.OFPFlowStatsReply, reply_multi=True)
        flows = [f for r in replies for f in r.body]
        return sorted([{"priority": f.priority, "cookie": f.cookie, "table_id": f.table_id, "packets": f.packet_count} for f in flows], key=lambda f: f["priority"])

    def role(self, dp, role, generation):
        p, o = dp.ofproto_parser, dp.ofproto
        if VERSION == "1.0":
            names = {"master": 1, "slave": 2}  # NX_ROLE_MASTER, NX_ROLE_SLAVE
            # os-ken 2.x never delivers NXT_ROLE_REPLY to apps (checked: ofp4 sends it, 20 bytes,
            # subtype 11), so the request is followed by a barrier and the role is proved by what
            # the switch then allows (the slave's flow_mod fails with EPERM).
            dp.send_msg(p.NXTRoleRequest(dp, names[role]))
            self.barrier(dp)
            return {"role": names[role], "reply": self.nx_role_value}
        names = {"master": o.OFPCR_ROLE_MASTER, "slave": o.OFPCR_ROLE_SLAVE}
        req = p.OFPRoleRequest(dp, names[role], generation)
        reply = ofctl_api.send_msg(self, req, reply_cls=p.OFPRoleReply)
        return {"role": reply.role, "generation_id": reply.generation_id}

    def script(self, dp):
        p, o = dp.ofproto_parser, dp.ofproto
        try:
            if VERSION == "1.0":
                desc = ofctl_api.send_msg(self, p.OFPDescStatsRequest(dp, 0), reply_cls=p.OFPDescStatsReply, reply_multi=True)[0].body
            else:
                desc = ofctl_api.send_msg(self, p.OFPDescStatsRequest(dp, 0), reply_cls=p.OFPDescStatsReply, reply_multi=True)[0].body
            report("desc", mfr=desc.mfr_desc, hw=desc.hw_desc, sw=desc.sw_desc, dp=desc.dp_desc)

            self.flow_add(dp, 10, 1, 2)
            self.flow_add(dp, 20, 2, 1)
            self.flow_add(dp, 30, 3, 4)
            self.barrier(dp)
            report("barrier", errors=list(self.errors))
            report("flow_stats", flows=self.flow_stats(dp))

            if VERSION == "1.0":
                agg = ofctl_api.send_msg(self, p.OFPAggregateStatsRequest(dp, 0, p.OFPMatch(), 0xff, o.OFPP_NONE),
                                         reply_cls=p.OFPAggregateStatsReply, reply_multi=True)[0].body
                agg = agg[0] if isinstance(agg, list) else agg
                ports = ofctl_api.send_msg(self, p.OFPPortStatsRequest(dp, 0, o.OFPP_NONE), reply_cls=p.OFPPortStatsReply, reply_multi=True)
            else:
                agg = ofctl_api.send_msg(self, p.OFPAggregateStatsRequest(dp, 0, o.OFPTT_ALL, o.OFPP_ANY, o.OFPG_ANY, 0, 0, p.OFPMatch()),
                                         reply_cls=p.OFPAggregateStatsReply, reply_multi=True)[0].body
                ports = ofctl_api.send_msg(self, p.OFPPortStatsRequest(dp, 0, o.OFPP_ANY), reply_cls=p.OFPPortStatsReply, reply_multi=True)
            report("aggregate", flow_count=agg.flow_count, packet_count=agg.packet_count, byte_count=agg.byte_count)
            report("port_stats", ports=sorted(s.port_no for r in ports for s in r.body))

            report("role_master", **self.role(dp, "master", 1))
            report("role_slave", **self.role(dp, "slave", 2))
            before = len(self.errors)
            if VERSION == "1.0":
                # os-ken's OpenFlow 1.0 handler of OFPT_ERROR raises (ofproto_v1_0 has no
                # OFPET_EXPERIMENTER) and closes the connection after the apps saw the error.
                self.resume_after_reconnect = True
            mod = self.flow_add(dp, 40, 4, 1)
            try:
                self.barrier(dp)
            except Exception:
                if VERSION != "1.0":
                    raise
            report("slave_flow_mod", errors=[e for e in self.errors[before:] if e["xid"] == mod.xid])
            if VERSION != "1.0":
                self.finish(dp)
        except Exception as e:  # reported, the test fails on it
            report("exception", error=repr(e), errors=list(self.errors))

    def finish(self, dp):
        p, o = dp.ofproto_parser, dp.ofproto
        try:
            report("role_master_again", **self.role(dp, "master", 3))
            report("flow_stats_after_slave", flows=self.flow_stats(dp))

            if VERSION == "1.0":
                delete = p.OFPFlowMod(dp, match=p.OFPMatch(), cookie=0, command=o.OFPFC_DELETE, idle_timeout=0, hard_timeout=0,
                                      priority=0, buffer_id=0xffffffff, out_port=o.OFPP_NONE, flags=0, actions=[])
            else:
                delete = p.OFPFlowMod(dp, table_id=o.OFPTT_ALL, command=o.OFPFC_DELETE, out_port=o.OFPP_ANY, out_group=o.OFPG_ANY, match=p.OFPMatch())
            dp.send_msg(delete)
            self.barrier(dp)
            report("flow_stats_after_delete", flows=self.flow_stats(dp), errors=list(self.errors))
            report("done")
        except Exception as e:  # reported, the test fails on it
            report("exception", error=repr(e), errors=list(self.errors))
