// Membership of the three-node cluster (cluster_fixture.h): a node whose data is lost
// rejoins, from a snapshot or from the log; a node added at run time catches up and
// votes; leadership moves on request and writes follow it.
#include "cluster/cluster_fixture.h"

namespace kyoso::testing {
namespace {

// Snapshots every 128 entries, 32 kept: the log is compacted soon.
class SmallSnapshotClusterTest : public ClusterTest {
 protected:
  void SetUp() override { StartCluster(128, 32); }
};

TEST_F(SmallSnapshotClusterTest, AWipedNodeRejoinsFromASnapshotAndConverges) {
  // Enough entries for snapshots and log compaction.
  std::vector<Acknowledged> acknowledged = PayAcknowledged(400);
  ASSERT_EQ(acknowledged.size(), 400u);
  WipeAndRejoin(2);
  ExpectEveryNodeHoldsEverything(acknowledged);
  EXPECT_NE(nodes_[2]->log().find("fetched the checkpoint"), std::string::npos)
      << "node 3 caught up without installing a snapshot";
}

TEST_F(ClusterTest, AWipedNodeRejoinsFromTheLogBeforeAnySnapshot) {
  // Too few entries for a snapshot: the leader still holds its whole log. Had node 3
  // only been emptied and started again, the leader would have gone on sending it
  // heartbeats for the log it had before, and never the entries (seen with libraft
  // 0.22.1 on a cluster of a million transfers, until leadership changed).
  std::vector<Acknowledged> acknowledged = PayAcknowledged(60);
  ASSERT_EQ(acknowledged.size(), 60u);
  WipeAndRejoin(2);
  ExpectEveryNodeHoldsEverything(acknowledged);
  EXPECT_EQ(nodes_[2]->log().find("fetched the checkpoint"), std::string::npos)
      << "node 3 was sent a snapshot: the test wants it to catch up from the log";
}

TEST_F(ClusterTest, LeadershipMovesOnRequestAndWritesFollowIt) {
  int leader = Leader();
  ASSERT_GE(leader, 0);
  auto stub = v1::Cluster::NewStub(operators_[leader]);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 10s);
  v1::TransferLeadershipRequest request;
  v1::ClusterChangeReply reply;
  grpc::Status moved = stub->TransferLeadership(&context, request, &reply);
  ASSERT_TRUE(moved.ok()) << moved.error_message();
  EXPECT_EQ(reply.members_size(), kNodes);
  ASSERT_TRUE(WaitForLeader());
  int next = -1;
  for (int attempt = 0; attempt < 50 && (next < 0 || next == leader); ++attempt) {
    next = Leader();
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(next, leader);
  ASSERT_TRUE(WaitForLeader());
  // Through the old leader, now a follower: forwarded to the new one.
  ASSERT_TRUE(PayUntilAcknowledged(0, leader, 1).has_value());
}

TEST_F(ClusterTest, ANodeAddedAtRunTimeCatchesUpAndVotes) {
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(PayUntilAcknowledged(i % kPayers, i % kNodes, 10));
  int api_port = FreePort();
  int raft_port = FreePort();
  std::string raft_address = "127.0.0.1:" + std::to_string(raft_port);
  ASSERT_TRUE(certificates_.AddNode("node-4")) << certificates_.error();
  std::vector<std::string> flags = {"--listen",      "127.0.0.1:" + std::to_string(api_port),
                                    "--raft-id",     "4",
                                    "--raft-listen", raft_address};
  std::vector<std::string> tls = certificates_.NodeFlags("node-4");
  flags.insert(flags.end(), tls.begin(), tls.end());
  NodeProcess fourth(temp_.path() / "node-4", flags);
  fourth.set_channel_credentials(certificates_.Credentials("auditor"));
  ASSERT_TRUE(fourth.Start()) << fourth.log();

  int leader = Leader();  // Membership changes are asked of the leader.
  ASSERT_GE(leader, 0);
  auto stub = v1::Cluster::NewStub(operators_[leader]);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 30s);
  v1::AddNodeRequest request;
  request.set_id(4);
  request.set_raft_address(raft_address);
  v1::ClusterChangeReply reply;
  grpc::Status added = stub->AddNode(&context, request, &reply);
  ASSERT_TRUE(added.ok()) << added.error_message() << "\n" << fourth.log();
  bool voter = false;
  for (const v1::ClusterMember& member : reply.members()) {
    voter = voter || (member.id() == 4 && member.role() == "voter");
  }
  EXPECT_TRUE(voter) << "node 4 is not a voter after AddNode returned";

  // It holds what was written before it joined.
  auto query = v1::Query::NewStub(fourth.channel());
  for (int attempt = 0; attempt < 100; ++attempt) {
    grpc::ClientContext read;
    read.set_deadline(std::chrono::system_clock::now() + 2s);
    v1::GetAccountRequest account;
    account.set_id("mch:grocer");
    account.set_stale_ok(true);
    v1::Account grocer;
    if (query->GetAccount(&read, account, &grocer).ok() && grocer.balance_minor() > 0) {
      SUCCEED();
      return;
    }
    std::this_thread::sleep_for(100ms);
  }
  ADD_FAILURE() << "node 4 never caught up:\n" << fourth.log();
}

}  // namespace
}  // namespace kyoso::testing
