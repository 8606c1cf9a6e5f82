"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=11), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('phone', name=op.f('uq_customers_phone'))
    )
    op.create_table('id_counters',
    sa.Column('prefix', sa.String(length=2), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('prefix', 'year', name=op.f('pk_id_counters'))
    )
    op.create_table('products',
    sa.Column('sku', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('warranty_months', sa.Integer(), nullable=False),
    sa.Column('return_days', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('sku', name=op.f('pk_products'))
    )
    op.create_table('orders',
    sa.Column('order_id', sa.String(length=14), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('total_amount', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('paid_at', sa.DateTime(), nullable=True),
    sa.Column('shipped_at', sa.DateTime(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.Column('carrier', sa.String(length=40), nullable=True),
    sa.Column('tracking_no', sa.String(length=40), nullable=True),
    sa.CheckConstraint("status IN ('pending_payment', 'paid', 'shipped', 'delivered', 'cancelled', 'refunding', 'refunded')", name=op.f('ck_orders_status')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_orders_customer_id_customers')),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_orders'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_customer_id'), ['customer_id'], unique=False)

    op.create_table('complaints',
    sa.Column('complaint_id', sa.String(length=12), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('contact_phone', sa.String(length=11), nullable=True),
    sa.Column('order_id', sa.String(length=14), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('conversation_id', sa.String(length=255), nullable=True),
    sa.CheckConstraint("status IN ('open', 'investigating', 'resolved', 'closed')", name=op.f('ck_complaints_status')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_complaints_customer_id_customers')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.order_id'], name=op.f('fk_complaints_order_id_orders')),
    sa.PrimaryKeyConstraint('complaint_id', name=op.f('pk_complaints'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_customer_id'), ['customer_id'], unique=False)

    op.create_table('devices',
    sa.Column('serial_number', sa.String(length=12), nullable=False),
    sa.Column('sku', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.String(length=14), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('purchase_date', sa.Date(), nullable=False),
    sa.Column('extended_warranty_months', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_devices_customer_id_customers')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.order_id'], name=op.f('fk_devices_order_id_orders')),
    sa.ForeignKeyConstraint(['sku'], ['products.sku'], name=op.f('fk_devices_sku_products')),
    sa.PrimaryKeyConstraint('serial_number', name=op.f('pk_devices'))
    )
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_devices_customer_id'), ['customer_id'], unique=False)

    op.create_table('order_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.String(length=14), nullable=False),
    sa.Column('sku', sa.String(length=40), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.order_id'], name=op.f('fk_order_items_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sku'], ['products.sku'], name=op.f('fk_order_items_sku_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_items'))
    )
    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_items_order_id'), ['order_id'], unique=False)

    op.create_table('return_requests',
    sa.Column('return_id', sa.String(length=12), nullable=False),
    sa.Column('order_id', sa.String(length=14), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('conversation_id', sa.String(length=255), nullable=True),
    sa.CheckConstraint("kind IN ('return', 'exchange')", name=op.f('ck_return_requests_kind')),
    sa.CheckConstraint("status IN ('submitted', 'approved', 'rejected', 'completed', 'cancelled')", name=op.f('ck_return_requests_status')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_return_requests_customer_id_customers')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.order_id'], name=op.f('fk_return_requests_order_id_orders')),
    sa.PrimaryKeyConstraint('return_id', name=op.f('pk_return_requests'))
    )
    with op.batch_alter_table('return_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_requests_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_requests_order_id'), ['order_id'], unique=False)

    op.create_table('repairs',
    sa.Column('repair_id', sa.String(length=12), nullable=False),
    sa.Column('serial_number', sa.String(length=12), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('fault', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('in_warranty', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('estimated_done', sa.Date(), nullable=True),
    sa.Column('return_carrier', sa.String(length=40), nullable=True),
    sa.Column('return_tracking_no', sa.String(length=40), nullable=True),
    sa.Column('conversation_id', sa.String(length=255), nullable=True),
    sa.CheckConstraint("status IN ('submitted', 'awaiting_shipment', 'received', 'diagnosing', 'repairing', 'repaired', 'shipped_back', 'completed', 'cancelled')", name=op.f('ck_repairs_status')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_repairs_customer_id_customers')),
    sa.ForeignKeyConstraint(['serial_number'], ['devices.serial_number'], name=op.f('fk_repairs_serial_number_devices')),
    sa.PrimaryKeyConstraint('repair_id', name=op.f('pk_repairs'))
    )
    with op.batch_alter_table('repairs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_repairs_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_repairs_serial_number'), ['serial_number'], unique=False)

    op.create_table('repair_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('repair_id', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['repair_id'], ['repairs.repair_id'], name=op.f('fk_repair_events_repair_id_repairs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repair_events'))
    )
    with op.batch_alter_table('repair_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_repair_events_repair_id'), ['repair_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('repair_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_repair_events_repair_id'))

    op.drop_table('repair_events')
    with op.batch_alter_table('repairs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_repairs_serial_number'))
        batch_op.drop_index(batch_op.f('ix_repairs_customer_id'))

    op.drop_table('repairs')
    with op.batch_alter_table('return_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_requests_order_id'))
        batch_op.drop_index(batch_op.f('ix_return_requests_customer_id'))

    op.drop_table('return_requests')
    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_items_order_id'))

    op.drop_table('order_items')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_devices_customer_id'))

    op.drop_table('devices')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_customer_id'))

    op.drop_table('complaints')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_customer_id'))

    op.drop_table('orders')
    op.drop_table('products')
    op.drop_table('id_counters')
    op.drop_table('customers')
