// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ICommunityRegistry} from "./interfaces/ICommunityRegistry.sol";
import {KhoStrings} from "./libraries/KhoStrings.sol";

/**
 * @title CommunityRegistry
 * @author Kho
 * @notice See {ICommunityRegistry}. The admin (DEFAULT_ADMIN_ROLE) has a single emergency power: adding a steward
 * to a community whose stewards lost their keys. It cannot remove stewards or edit members directly, but a steward it
 * adds (possibly itself) has every steward power, so the admin key must be held by a multisig or timelock.
 */
contract CommunityRegistry is ICommunityRegistry, AccessControl {
    /// @notice Largest member batch accepted by {addMembers} / {removeMembers}.
    uint256 public constant MAX_BATCH_SIZE = 200;

    struct CommunityRecord {
        string slug;
        string locale;
        string metadataURI;
        address creator;
        uint64 createdAt;
        uint256 stewardCount;
        uint256 memberCount;
    }

    uint256 private _communityCount;
    mapping(uint256 communityId => CommunityRecord record) private _communities;
    mapping(bytes32 foldedSlugHash => uint256 communityId) private _idBySlug;
    mapping(uint256 communityId => mapping(address account => bool steward)) private _stewards;
    mapping(uint256 communityId => mapping(address account => bool member)) private _members;

    modifier onlySteward(uint256 communityId) {
        _requireExists(communityId);
        if (!_stewards[communityId][msg.sender]) revert NotCommunitySteward(communityId, msg.sender);
        _;
    }

    /// @param admin Holder of DEFAULT_ADMIN_ROLE (steward recovery only).
    constructor(address admin) {
        if (admin == address(0)) revert ZeroAddress("admin");
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc ICommunityRegistry
    function createCommunity(
        string calldata slug,
        string calldata locale,
        string calldata metadataURI
    ) external returns (uint256 communityId) {
        KhoStrings.checkSlug(slug);
        KhoStrings.checkLocale(locale);
        KhoStrings.checkURI("metadataURI", metadataURI);
        bytes32 slugHash = KhoStrings.foldedHash(slug);
        uint256 existing = _idBySlug[slugHash];
        if (existing != 0) revert SlugTaken(slug, existing);

        communityId = ++_communityCount;
        _idBySlug[slugHash] = communityId;
        CommunityRecord storage record = _communities[communityId];
        record.slug = slug;
        record.locale = locale;
        record.metadataURI = metadataURI;
        record.creator = msg.sender;
        record.createdAt = uint64(block.timestamp);
        record.stewardCount = 1;
        _stewards[communityId][msg.sender] = true;

        emit CommunityCreated(communityId, msg.sender, slug, locale, metadataURI);
        emit StewardAdded(communityId, msg.sender, msg.sender);
    }

    /// @inheritdoc ICommunityRegistry
    function addSteward(uint256 communityId, address account) external {
        _requireExists(communityId);
        if (!_stewards[communityId][msg.sender] && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert NotCommunitySteward(communityId, msg.sender);
        }
        if (account == address(0)) revert ZeroAddress("account");
        if (_stewards[communityId][account]) revert AlreadySteward(communityId, account);
        _stewards[communityId][account] = true;
        ++_communities[communityId].stewardCount;
        emit StewardAdded(communityId, account, msg.sender);
    }

    /// @inheritdoc ICommunityRegistry
    function removeSteward(uint256 communityId, address account) external onlySteward(communityId) {
        if (!_stewards[communityId][account]) revert NotSteward(communityId, account);
        CommunityRecord storage record = _communities[communityId];
        if (record.stewardCount == 1) revert LastSteward(communityId);
        _stewards[communityId][account] = false;
        --record.stewardCount;
        emit StewardRemoved(communityId, account, msg.sender);
    }

    /// @inheritdoc ICommunityRegistry
    function setMetadataURI(uint256 communityId, string calldata metadataURI) external onlySteward(communityId) {
        KhoStrings.checkURI("metadataURI", metadataURI);
        _communities[communityId].metadataURI = metadataURI;
        emit CommunityMetadataUpdated(communityId, metadataURI, msg.sender);
    }

    /// @inheritdoc ICommunityRegistry
    function addMembers(uint256 communityId, address[] calldata members) external onlySteward(communityId) {
        _checkBatch(members.length);
        mapping(address account => bool member) storage isMemberOf = _members[communityId];
        uint256 added = 0;
        for (uint256 i = 0; i < members.length; ++i) {
            address member = members[i];
            if (member == address(0)) revert ZeroAddress("member");
            if (isMemberOf[member]) continue;
            isMemberOf[member] = true;
            ++added;
            emit MemberAdded(communityId, member, msg.sender);
        }
        _communities[communityId].memberCount += added;
    }

    /// @inheritdoc ICommunityRegistry
    function removeMembers(uint256 communityId, address[] calldata members) external onlySteward(communityId) {
        _checkBatch(members.length);
        mapping(address account => bool member) storage isMemberOf = _members[communityId];
        uint256 removed = 0;
        for (uint256 i = 0; i < members.length; ++i) {
            address member = members[i];
            if (!isMemberOf[member]) continue;
            isMemberOf[member] = false;
            ++removed;
            emit MemberRemoved(communityId, member, msg.sender);
        }
        _communities[communityId].memberCount -= removed;
    }

    /// @inheritdoc ICommunityRegistry
    function isMember(uint256 communityId, address account) external view returns (bool member) {
        _requireExists(communityId);
        return _members[communityId][account];
    }

    /// @inheritdoc ICommunityRegistry
    function isSteward(uint256 communityId, address account) external view returns (bool steward) {
        _requireExists(communityId);
        return _stewards[communityId][account];
    }

    /// @inheritdoc ICommunityRegistry
    function communityExists(uint256 communityId) external view returns (bool exists) {
        return _exists(communityId);
    }

    /// @inheritdoc ICommunityRegistry
    function getCommunity(uint256 communityId) external view returns (Community memory community) {
        _requireExists(communityId);
        CommunityRecord storage record = _communities[communityId];
        return
            Community({
                id: communityId,
                slug: record.slug,
                locale: record.locale,
                metadataURI: record.metadataURI,
                creator: record.creator,
                createdAt: record.createdAt,
                stewardCount: record.stewardCount,
                memberCount: record.memberCount
            });
    }

    /// @inheritdoc ICommunityRegistry
    function communityCount() external view returns (uint256 count) {
        return _communityCount;
    }

    /// @inheritdoc ICommunityRegistry
    function communityIdBySlug(string calldata slug) external view returns (uint256 communityId) {
        return _idBySlug[KhoStrings.foldedHash(slug)];
    }

    /// @inheritdoc ICommunityRegistry
    function memberCount(uint256 communityId) external view returns (uint256 count) {
        _requireExists(communityId);
        return _communities[communityId].memberCount;
    }

    function _requireExists(uint256 communityId) private view {
        if (!_exists(communityId)) revert CommunityNotFound(communityId);
    }

    function _exists(uint256 communityId) private view returns (bool) {
        return communityId != 0 && communityId <= _communityCount;
    }

    function _checkBatch(uint256 size) private pure {
        if (size == 0 || size > MAX_BATCH_SIZE) revert InvalidBatchSize(size, MAX_BATCH_SIZE);
    }
}
